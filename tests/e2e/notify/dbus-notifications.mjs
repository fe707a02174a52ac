// A freedesktop notification server (org.freedesktop.Notifications, the spec at
// https://specifications.freedesktop.org/notification-spec/latest/) on a private D-Bus session bus
// of its own, for Chromium to show `chrome.notifications` notifications on natively, and for a test
// to press their buttons the way a desktop's notification popup does when a user clicks one: by
// emitting ActionInvoked(id, action_key) and then NotificationClosed(id, 2).
//
// Chromium's Linux bridge (notification_platform_bridge_linux) sends each button as the action key
// "0", "1", ... (its index, labelled with the button's title), then "default" ("Activate": the click
// on the notification itself) and "settings" ("Settings", its own button), with app_name
// "Chromium", summary = title, body = message, expire_timeout 0 and the hints desktop-entry,
// image-path, image_path and urgency. chrome.notifications.update() is a Notify with replaces_id,
// chrome.notifications.clear() a CloseNotification. It works in --headless=new as with a window on
// Xvfb, and needs no flag: only DBUS_SESSION_BUS_ADDRESS in Chromium's environment, set when it
// starts, with this server already up (Chromium probes the server once, at start).
// selftest.mjs is the run that shows all of it.
//
//   const server = await startNotificationServer();
//   launch Chromium with env { DBUS_SESSION_BUS_ADDRESS: server.address, ... }
//   const n = await server.until((shown) => shown.find((x) => x.summary === 'Incoming call'));
//   await server.press(n.id, BUTTON(0), { close: false }); // onButtonClicked(id, 0), stays shown
//   await server.press(n.id, DEFAULT_ACTION); // onClicked(id), then onClosed(id, true)
//   await server.close(m.id);                 // onClosed(id, true): the user dismissed it
//   await server.stop();
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const dbus = createRequire(import.meta.url)('dbus-next');
const { Interface } = dbus.interface;

/**
 * The action key Chromium gives button number `index` (0-based) of a notification as first
 * shown. An update (`chrome.notifications.update`, a Notify replacing it) numbers the keys on
 * from there ("2", "3" for the two buttons the second time): find a button by its label then.
 */
export const BUTTON = (index) => String(index);
/** The action key of a click on the notification itself: onClicked. */
export const DEFAULT_ACTION = 'default';
/** The action key of Chromium's own "Settings" button, which it adds to every notification. */
export const SETTINGS_ACTION = 'settings';

/** NotificationClosed reasons, from the spec. */
export const CLOSED = { EXPIRED: 1, DISMISSED: 2, BY_CALL: 3, UNDEFINED: 4 };

// Chromium 156 shows notifications natively only if GetCapabilities, asked once at its start, has
// both "actions" and "body" (without either it falls back to its own message center, which on Linux
// without a desktop nobody sees). With "body-markup" too it sends the message XML-escaped
// ("&" as "&amp;", "<" as "&lt;"); without it, verbatim: so the default leaves it out.
export const DEFAULT_CAPABILITIES = ['actions', 'body'];

/** Starts a private dbus-daemon; resolves with { address, process, dir }. */
async function startBus() {
  const dir = mkdtempSync(join(tmpdir(), 'notify-bus-'));
  const daemon = spawn(
    'dbus-daemon',
    ['--session', '--nofork', '--nopidfile', '--print-address=1', `--address=unix:path=${join(dir, 'bus')}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  daemon.stderr.on('data', (chunk) => { stderr += chunk; });
  const address = await new Promise((resolve, reject) => {
    let out = '';
    daemon.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    daemon.once('error', reject);
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}: ${stderr}`)));
  });
  return { address, daemon, dir };
}

/**
 * Starts the bus and the server on it. Options: `capabilities` (what GetCapabilities answers),
 * `serverInformation` ([name, vendor, version, spec_version]).
 */
export async function startNotificationServer({
  capabilities = DEFAULT_CAPABILITIES,
  serverInformation = ['e2e-notify', 'sfphone-e2e', '1.0', '1.2'],
} = {}) {
  const { address, daemon, dir } = await startBus();
  const bus = dbus.sessionBus({ busAddress: address });
  const received = []; // every Notify, in order
  const current = new Map(); // id -> the notification shown now
  const calls = []; // [method, ...args] of every call, for a test to see what the client asked
  const waiters = new Set();
  let lastId = 0;
  const changed = () => { for (const w of [...waiters]) w(); };

  class Notifications extends Interface {
    Notify(appName, replacesId, appIcon, summary, body, actions, hints, expireTimeout) {
      calls.push(['Notify', appName, replacesId, summary]);
      const id = replacesId && current.has(replacesId) ? replacesId : ++lastId;
      const pairs = [];
      for (let i = 0; i + 1 < actions.length; i += 2) pairs.push([actions[i], actions[i + 1]]);
      const plainHints = Object.fromEntries(
        Object.entries(hints).map(([k, v]) => [k, k === 'image-data' ? '(image)' : v.value]),
      );
      const n = {
        id, replacesId, appName, appIcon, summary, body, actions: pairs, hints: plainHints,
        expireTimeout, at: Date.now(),
      };
      received.push(n);
      current.set(id, n);
      changed();
      return id;
    }

    CloseNotification(id) {
      calls.push(['CloseNotification', id]);
      if (current.delete(id)) {
        this.NotificationClosed(id, CLOSED.BY_CALL);
        changed();
      }
    }

    GetCapabilities() {
      calls.push(['GetCapabilities']);
      return capabilities;
    }

    GetServerInformation() {
      calls.push(['GetServerInformation']);
      return serverInformation;
    }

    ActionInvoked(id, actionKey) { return [id, actionKey]; }

    NotificationClosed(id, reason) { return [id, reason]; }

    ActivationToken(id, token) { return [id, token]; }
  }
  Notifications.configureMembers({
    methods: {
      Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
      CloseNotification: { inSignature: 'u', outSignature: '' },
      GetCapabilities: { inSignature: '', outSignature: 'as' },
      GetServerInformation: { inSignature: '', outSignature: 'ssss' },
    },
    signals: {
      ActionInvoked: { signature: 'us' },
      NotificationClosed: { signature: 'uu' },
      ActivationToken: { signature: 'us' },
    },
  });
  const iface = new Notifications('org.freedesktop.Notifications');
  bus.export('/org/freedesktop/Notifications', iface);
  await bus.requestName('org.freedesktop.Notifications', dbus.NameFlag.DO_NOT_QUEUE);

  const shown = () => [...current.values()];
  const need = (id) => {
    if (!current.has(id)) throw new Error(`notification ${id} is not shown (shown: ${shown().map((n) => n.id)})`);
  };
  return {
    address,
    shown,
    all: () => [...received],
    calls: () => [...calls],
    /**
     * Resolves with the first truthy `predicate(shown(), all())`, re-checked at each change
     * (rejects after `timeout` ms with `what` in the message).
     */
    until(predicate, { timeout = 10_000, what = 'the notification' } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = predicate(shown(), [...received]);
          if (got) { waiters.delete(check); clearTimeout(timer); resolve(got); }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeout} ms waiting for ${what}; received: ${JSON.stringify(received)}`));
        }, timeout);
        waiters.add(check);
        check();
      });
    },
    /**
     * What a user's click on an action does: ActionInvoked(id, actionKey), and, as servers do for a
     * notification that is not resident, NotificationClosed(id, DISMISSED) after it.
     */
    async press(id, actionKey, { close = true } = {}) {
      need(id);
      const keys = current.get(id).actions.map(([key]) => key);
      if (!keys.includes(actionKey)) throw new Error(`notification ${id} has no action ${actionKey} (it has ${keys})`);
      iface.ActivationToken(id, `e2e-token-${id}`);
      iface.ActionInvoked(id, actionKey);
      if (close) {
        current.delete(id);
        iface.NotificationClosed(id, CLOSED.DISMISSED);
        changed();
      }
    },
    /** What a user's dismissal (the close button) does: NotificationClosed(id, reason). */
    async close(id, reason = CLOSED.DISMISSED) {
      need(id);
      current.delete(id);
      iface.NotificationClosed(id, reason);
      changed();
    },
    async stop() {
      try { bus.disconnect(); } catch { /* already gone */ }
      daemon.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
