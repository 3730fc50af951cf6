// A screenshot of a page that draws itself after load (a Blazor Server app such as the Aspire
// dashboard), which `chromium --screenshot` takes too early: headless Chromium driven over the
// DevTools protocol, waiting until the page shows TEXT.
// Usage: node --experimental-websocket bench/page-screenshot.mjs URL OUT.png TEXT [WIDTH] [HEIGHT]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, out, text, width = '1400', height = '800'] = process.argv.slice(2);
if (!url || !out || !text) {
  console.error('usage: page-screenshot.mjs URL OUT.png TEXT [WIDTH] [HEIGHT]');
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), 'harness-chromium-'));
const chrome = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
  `--window-size=${width},${height}`, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank']);
const exited = new Promise(resolve => chrome.on('exit', resolve));
const stop = async () => {
  chrome.kill();
  await exited;
  rmSync(profile, { recursive: true, force: true });
};

try {
  const endpoint = await new Promise((resolve, reject) => {
    let seen = '';
    chrome.stderr.on('data', chunk => {
      seen += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]);
    });
    chrome.on('exit', code => reject(new Error(`chromium exited (${code}) before listening`)));
    setTimeout(() => reject(new Error('chromium did not listen within 20 s')), 20000);
  });

  const ws = new WebSocket(endpoint);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let next = 0;
  const pending = new Map();
  ws.onmessage = event => {
    const message = JSON.parse(event.data);
    if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  const send = (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    const id = ++next;
    pending.set(id, m => (m.error ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });

  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Emulation.setDeviceMetricsOverride', { width: +width, height: +height, deviceScaleFactor: 1, mobile: false }, sessionId);
  await send('Page.navigate', { url }, sessionId);

  const deadline = Date.now() + 30000;
  const expression = `!!document.body && document.body.innerText.includes(${JSON.stringify(text)})`;
  while (!(await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)).result.value) {
    if (Date.now() > deadline) throw new Error(`the page never showed "${text}"`);
    await new Promise(r => setTimeout(r, 250));
  }
  // Shown is not yet laid out: let the page finish its rendering pass (and any transition).
  await new Promise(r => setTimeout(r, 1500));
  const { data } = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  writeFileSync(out, Buffer.from(data, 'base64'));
  ws.close();
} finally {
  await stop();
}
