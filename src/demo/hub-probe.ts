/** Whether the Hugging Face Hub answers from this page (it does not offline or behind some firewalls). */
export async function hubReachable(modelId: string, timeoutMs = 5000): Promise<boolean> {
  try {
    const response = await fetch(`https://huggingface.co/${modelId}/resolve/main/config.json`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok;
  } catch {
    return false;
  }
}
