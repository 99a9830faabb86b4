/**
 * Counts painted frames and the longest gap between two of them: a direct measure of how long the
 * main thread was blocked (the Long Tasks API reports nothing in headless Chromium).
 */
export function monitorFrames(): { stop(): { frames: number; longestGapMs: number } } {
  let frames = 0;
  let longestGapMs = 0;
  let last = performance.now();
  let painting = true;
  const onFrame = (now: number) => {
    frames++;
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    if (painting) requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
  return {
    stop() {
      painting = false;
      longestGapMs = Math.max(longestGapMs, performance.now() - last);
      return { frames, longestGapMs };
    },
  };
}
