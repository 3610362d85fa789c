/**
 * The web player's page: plain HTML, CSS and a small inline script, served as one string (no
 * build step, no external reference). The script speaks the endpoints in routes.ts: one page
 * session per tab (a random id), a WebSocket for frames and status, POSTs for the buttons, and a
 * beacon on pagehide so a closed tab's RTSP session is torn down at once.
 */

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #667085; --line: #d8dde6; --bg: #f4f6f9; --accent: #2257d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 12px 20px; background: #101828; color: #fff; display: flex; align-items: baseline; gap: 12px; }
header h1 { margin: 0; font-size: 18px; font-weight: 600; }
header span { color: #98a2b3; font-size: 13px; }
main { display: grid; grid-template-columns: minmax(320px, 1fr) 360px; gap: 16px; padding: 16px 20px; max-width: 1200px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.controls { grid-column: 1 / -1; display: grid; gap: 10px; }
.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; }
label { color: var(--muted); font-size: 12px; display: flex; flex-direction: column; gap: 3px; }
input[type=text] { width: min(520px, 70vw); padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
select { padding: 5px 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
button { min-width: 96px; padding: 7px 14px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff; font-weight: 600; cursor: pointer; }
button:disabled { background: #e4e7ec; border-color: #d0d5dd; color: #98a2b3; cursor: default; }
.state { font-size: 13px; color: var(--muted); }
.state b { color: var(--ink); }
#state[data-state=playing] { color: #067647; }
#state[data-state=ready] { color: #b54708; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
#error { padding: 8px 10px; border-radius: 6px; background: #fef3f2; border: 1px solid #fecdca; color: #b42318; }
#error[hidden] { display: none; }
.screen { position: relative; background: #0b0d12; border-radius: 8px; min-height: 300px; padding: 8px; display: flex; align-items: center; justify-content: center; overflow: hidden; }
#video { display: block; width: min(100%, 640px); height: auto; }
#placeholder { position: absolute; color: #98a2b3; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 0 0 10px; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
h2 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); font-weight: 600; }
pre { margin: 0; padding: 6px 8px; background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; font: 11px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 150px; overflow: auto; }
svg { width: 100%; height: 96px; background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } }
`

const SCRIPT = `
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  var id = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  var base = "/api/sessions/" + id;
  var names = ["setup", "play", "pause", "teardown"];
  var status = null, pending = false, connected = false, localError = null, shown = 0, ws = null;
  var canvas = $("video"), ctx = canvas.getContext("2d");
  document.body.dataset.pageSession = id;

  // The index of the frame on screen, 0 for the first since Setup (the sample's burned-in number).
  function frameText() { return shown > 0 ? String(shown - 1) : "\\u2013"; }

  function fmt(x, digits) { return typeof x === "number" ? x.toFixed(digits) : "\\u2013"; }

  function chart(intervals) {
    var svg = $("chart"), w = 320, h = 90, n = intervals.length;
    var max = 0, sum = 0;
    intervals.forEach(function (v) { if (v > max) max = v; sum += v; });
    var top = Math.max(10, Math.ceil(max / 10) * 10);
    var parts = ['<line x1="0" y1="' + h + '" x2="' + w + '" y2="' + h + '" stroke="#d0d5dd"/>'];
    if (n >= 2) {
      var pts = intervals.map(function (v, i) {
        return (i * w / (n - 1)).toFixed(1) + "," + (h - (v / top) * (h - 12)).toFixed(1);
      }).join(" ");
      var meanY = (h - ((sum / n) / top) * (h - 12)).toFixed(1);
      parts.push('<line x1="0" y1="' + meanY + '" x2="' + w + '" y2="' + meanY + '" stroke="#98a2b3" stroke-dasharray="4 3"/>');
      parts.push('<polyline fill="none" stroke="#2257d6" stroke-width="1.5" points="' + pts + '"/>');
      parts.push('<text x="4" y="11" font-size="10" fill="#667085">max ' + top + ' ms \\u00b7 mean ' + (sum / n).toFixed(1) + ' ms</text>');
    } else {
      parts.push('<text x="4" y="14" font-size="10" fill="#667085">no intervals yet</text>');
    }
    svg.innerHTML = parts.join("");
  }

  function render() {
    var s = status;
    var allowed = s && connected && !pending ? s.allowed : [];
    names.forEach(function (name) { $(name).disabled = allowed.indexOf(name) < 0; });
    var editable = !!(s && connected && !pending && !s.busy && s.state === "init");
    $("url").disabled = !editable;
    $("dialect").disabled = !editable;
    $("transport").disabled = !editable || $("dialect").value === "classic";
    var error = localError || (s && s.error) || "";
    $("error").textContent = error;
    $("error").hidden = error === "";
    if (!s) return;
    $("state").textContent = s.busy || pending ? s.state.toUpperCase() + " \\u2026" : s.state.toUpperCase();
    $("state").dataset.state = s.state;
    $("session").textContent = s.sessionId || "\\u2013";
    $("via").textContent = s.transport ? (s.transport.toUpperCase() + (s.fallback ? " (fell back: " + s.fallback + ")" : "") + ", " + s.dialect) : "";
    $("frame").textContent = frameText();
    // The page draws JPEG; any other video is shown as its figures.
    var drawable = !s.codec || s.codec === "JPEG";
    $("placeholder").textContent = drawable ? "no video: press Setup, then Play" : s.codec + " video: this page draws MJPEG only; its figures are live below";
    if (!drawable) $("placeholder").hidden = false;
    $("fps").textContent = fmt(s.fps, 1);
    $("jitter").textContent = fmt(s.jitterMs, 1) + " ms";
    $("loss").textContent = s.packetsLost + " packets (" + fmt(s.lossPct, 1) + " %)";
    $("startup").textContent = s.startupMs === undefined ? "\\u2013" : fmt(s.startupMs, 1) + " ms";
    $("request").textContent = s.lastRequest || "\\u2013";
    $("response").textContent = s.lastResponse || "\\u2013";
    chart(s.intervalsMs || []);
  }

  function clearScreen() {
    shown = 0;
    $("frame").textContent = frameText();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    $("placeholder").hidden = false;
  }

  function act(name) {
    pending = true;
    localError = null;
    render();
    var init = { method: "POST" };
    if (name === "setup") {
      init.headers = { "content-type": "application/json" };
      init.body = JSON.stringify({ url: $("url").value, transport: $("transport").value, dialect: $("dialect").value });
    }
    fetch(base + "/" + name, init)
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, code: r.status, body: body }; }); })
      .then(function (res) {
        if (res.body.status) status = res.body.status;
        else localError = res.body.error || ("the web player answered HTTP " + res.code);
        if (name === "setup" && res.ok) clearScreen();
      })
      .catch(function (e) { localError = "the web player did not answer (" + e.message + ")"; })
      .then(function () { pending = false; render(); });
  }

  function onFrame(data) {
    var index = new DataView(data).getUint32(0);
    var blob = new Blob([new Uint8Array(data, 4)], { type: "image/jpeg" });
    createImageBitmap(blob).then(function (bitmap) {
      if (index + 1 > shown) {
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        ctx.drawImage(bitmap, 0, 0);
        shown = index + 1;
        $("frame").textContent = frameText();
        $("placeholder").hidden = true;
      }
      bitmap.close();
    }, function () { /* a frame that does not decode is skipped */ }).then(function () {
      if (ws && ws.readyState === 1) ws.send("ack");
    });
  }

  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "/ws");
    ws.binaryType = "arraybuffer";
    ws.onopen = function () { connected = true; render(); };
    ws.onmessage = function (event) {
      if (typeof event.data !== "string") return onFrame(event.data);
      var message = JSON.parse(event.data);
      if (message.type === "status") status = message;
      else if (message.type === "error") localError = message.message;
      render();
    };
    ws.onclose = function () {
      connected = false;
      if (!localError) localError = "lost the connection to the web player (was it stopped?): reload the page to start again";
      render();
    };
  }

  names.forEach(function (name) { $(name).addEventListener("click", function () { act(name); }); });
  $("form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!$("setup").disabled) act("setup");
  });
  $("dialect").addEventListener("change", function () {
    if ($("dialect").value === "classic") $("transport").value = "udp";
    render();
  });
  // The fast path for a closed tab; the closed WebSocket (and the reaper) cover the rest.
  addEventListener("pagehide", function () { navigator.sendBeacon(base + "/close"); });
  addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });
  chart([]);
  render();
  connect();
})();
`

export interface PageOptions {
  readonly defaultUrl: string
}

export const renderPage = (options: PageOptions): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RTSP web player</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>RTSP web player</h1><span>rtsp-harness web: SETUP, PLAY, PAUSE, TEARDOWN against any RTSP/RTP MJPEG server</span></header>
<main>
  <section class="card controls">
    <form id="form" class="row">
      <label>RTSP URL<input id="url" type="text" spellcheck="false" autocomplete="off" value="${escapeHtml(options.defaultUrl)}"></label>
      <label>Transport<select id="transport"><option value="udp">UDP</option><option value="tcp">TCP</option><option value="multicast">multicast</option></select></label>
      <label>Dialect<select id="dialect"><option value="standard">standard</option><option value="classic">classic</option></select></label>
    </form>
    <div class="row">
      <button id="setup" type="button" disabled>Setup</button>
      <button id="play" type="button" disabled>Play</button>
      <button id="pause" type="button" disabled>Pause</button>
      <button id="teardown" type="button" disabled>Teardown</button>
    </div>
    <div class="state">State: <b id="state" data-state="init">INIT</b> &middot; Session: <code id="session">&ndash;</code> &middot; <span id="via"></span></div>
    <div id="error" role="alert" hidden></div>
  </section>
  <section class="screen"><canvas id="video" width="384" height="288"></canvas><div id="placeholder">no video: press Setup, then Play</div></section>
  <section class="card panel">
    <dl>
      <dt title="index of the frame on screen, 0 for the first since Setup">frame</dt><dd id="frame">&ndash;</dd>
      <dt>fps</dt><dd id="fps">&ndash;</dd>
      <dt>jitter</dt><dd id="jitter">&ndash;</dd>
      <dt>loss</dt><dd id="loss">&ndash;</dd>
      <dt>start-up</dt><dd id="startup">&ndash;</dd>
    </dl>
    <h2>Inter-frame intervals</h2>
    <svg id="chart" viewBox="0 0 320 90" preserveAspectRatio="none" role="img" aria-label="inter-frame intervals"></svg>
    <h2>Last RTSP request</h2>
    <pre id="request">&ndash;</pre>
    <h2>Last RTSP response</h2>
    <pre id="response">&ndash;</pre>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`
