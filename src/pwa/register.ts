/**
 * Registers the service worker (production builds only) and offers a clean update: a new build waits
 * until the user accepts it, then takes over and the page reloads once.
 */
export interface UpdateHooks {
  /** Called when a new version is installed and waiting; call `apply()` to switch to it. */
  onUpdateReady(apply: () => void): void;
}

export async function registerServiceWorker(hooks: UpdateHooks): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return null;
  const registration = await navigator.serviceWorker.register(new URL('/sw.js', location.href), {
    type: 'module',
    scope: '/',
  });
  const offer = (worker: ServiceWorker) =>
    hooks.onUpdateReady(() => {
      navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
      worker.postMessage({ type: 'SKIP_WAITING' });
    });
  // An update found earlier (another tab, a previous visit) may already be waiting.
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing?.addEventListener('statechange', () => {
      // With a controller this is an update; without one it is the first install, nothing to offer.
      if (installing.state === 'installed' && navigator.serviceWorker.controller) offer(installing);
    });
  });
  return registration;
}
