// Mounts devorg's LWC app on every `[data-lwc-mount]` of the page (also after devorg's SPA
// navigation), with the records devorg embedded as JSON in the page.
import { createElement } from 'lwc';
import App from 'c/app';

function mountAll() {
  for (const mount of document.querySelectorAll('[data-lwc-mount]:not([data-lwc-mounted])')) {
    const data = JSON.parse(mount.querySelector('script[type="application/json"]').textContent);
    const app = createElement('c-app', { is: App });
    app.data = data;
    mount.setAttribute('data-lwc-mounted', '');
    mount.append(app);
  }
}

mountAll();
document.addEventListener('devorg:navigated', mountAll);
