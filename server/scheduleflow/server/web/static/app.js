// ScheduleFlow's schedule page: plain JavaScript, no library, nothing fetched
// from anywhere but this server.
//
// How it works: the address (#/channel/ID?date=...&days=...&zone=...) is the
// state. A view is one GET of /api/channels/ID/view, which answers the
// window's events and Validate findings (only that window: a week of a busy
// channel is ~3,500 events) and the grid to draw them on: days from local
// midnight to local midnight and hour marks, computed by the server, so a
// DST change day is drawn 23 or 25 hours long and the browser does no
// time-zone arithmetic. Live updates come as server-sent events from
// /api/channels/ID/live, a WatchSchedule stream: a change that touches the
// window shown fetches the view again.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { channel: "", date: "", days: 1, zone: "local", cooldown: "", artist_separation: "" };
let view = null;          // the last view answered
let viewAbort = null;     // aborts a view request overtaken by navigation
let source = null;        // the EventSource of the channel shown
let sourceChannel = "";
let streamLost = false;
let refetchTimer = 0;
let selectedId = "";
const FINDING_HIDDEN = new Set(["OUTSIDE_WINDOW"]); // a view's window cuts events by design

// -- small helpers ---------------------------------------------------------------------

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Instants and spans arrive as integer microseconds (messages/plain.py).
const ms = (us) => Math.round((us || 0) / 1000);

const formats = new Map();
function fmt(ms, withDate) {
  const zone = view ? view.zone : "UTC";
  const key = zone + (withDate ? "d" : "t");
  if (!formats.has(key)) {
    const opts = { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    if (withDate) Object.assign(opts, { weekday: "short", day: "2-digit", month: "short", timeZoneName: "short" });
    formats.set(key, new Intl.DateTimeFormat("en-GB", opts));
  }
  return formats.get(key).format(new Date(ms));
}

function span(ms) {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + "h" : "") + (m ? m + "m" : "") + (r || (!h && !m) ? r + "s" : "");
}

function problem(text) {
  const box = $("#problem");
  box.textContent = text || "";
  box.hidden = !text;
}

async function getJson(url, signal) {
  const reply = await fetch(url, { signal, credentials: "same-origin", headers: { Accept: "application/json" } });
  if (reply.status === 401) {
    location.href = "/login?next=" + encodeURIComponent("/" + location.hash);
    throw new Error("sign in first");
  }
  const body = await reply.json().catch(() => ({ error: reply.statusText }));
  if (!reply.ok) throw new Error(body.error || reply.statusText);
  return body;
}

// -- the address is the state ---------------------------------------------------------

function readHash() {
  const m = /^#\/channel\/([^?]+)(?:\?(.*))?$/.exec(location.hash);
  state.channel = m ? decodeURIComponent(m[1]) : "";
  const q = new URLSearchParams(m && m[2] ? m[2] : "");
  state.date = q.get("date") || "";
  state.days = q.get("days") === "7" ? 7 : 1;
  state.zone = q.get("zone") === "utc" ? "utc" : "local";
  state.cooldown = q.get("cooldown") || "";
  state.artist_separation = q.get("artist_separation") || "";
}

function writeHash() {
  const q = new URLSearchParams();
  if (state.date) q.set("date", state.date);
  q.set("days", String(state.days));
  q.set("zone", state.zone);
  if (state.cooldown) q.set("cooldown", state.cooldown);
  if (state.artist_separation) q.set("artist_separation", state.artist_separation);
  const hash = "#/channel/" + encodeURIComponent(state.channel) + "?" + q.toString();
  if (location.hash !== hash) location.hash = hash; // hashchange loads the view
  else loadView();
}

function addDays(date, n) {
  const [y, m, d] = date.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

function monday(date) {
  const [y, m, d] = date.split("-").map(Number);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(date, -weekday);
}

// -- channels ----------------------------------------------------------------------------

async function loadChannels() {
  try {
    const body = await getJson("/api/channels");
    const health = $("#store-health");
    health.textContent = `store: ${body.store.kind} ${body.store.healthy ? "healthy" : "UNREACHABLE"}`;
    health.className = "health " + (body.store.healthy ? "good" : "bad");
    const rows = body.channels.map((c) => {
      const changed = c.update_time_us ? new Date(ms(c.update_time_us)).toISOString().replace("T", " ").slice(0, 19) + "Z" : "";
      return `<tr data-channel="${esc(c.id)}"${c.id === state.channel ? ' class="selected"' : ""}>
        <td><button type="button" data-open="${esc(c.id)}">${esc(c.display_name || c.id)}</button></td>
        <td>${esc(c.time_zone || "UTC")}</td><td class="num">${esc(c.revision || 0)}</td>
        <td class="num">${esc(c.event_count || 0)}</td><td>${esc(changed)}</td></tr>`;
    });
    $("#channel-table tbody").innerHTML = rows.join("") || '<tr><td colspan="5" class="empty">No channels yet: import a schedule.</td></tr>';
  } catch (err) {
    problem("Could not list the channels: " + err.message);
  }
}

// -- a view --------------------------------------------------------------------------------

function viewUrl() {
  const q = new URLSearchParams({ days: String(state.days), zone: state.zone });
  if (state.date) q.set("date", state.date);
  for (const rule of ["cooldown", "artist_separation"]) {
    if (state[rule]) q.set(rule, String(Number(state[rule]) * 60));
  }
  return `/api/channels/${encodeURIComponent(state.channel)}/view?${q}`;
}

async function loadView() {
  if (!state.channel) {
    $(".schedule").hidden = true;
    closeStream();
    return;
  }
  $(".schedule").hidden = false;
  syncToolbar();
  if (viewAbort) viewAbort.abort();
  viewAbort = new AbortController();
  try {
    const body = await getJson(viewUrl(), viewAbort.signal);
    const before = view;
    view = body;
    state.date = body.days[0].date;
    problem("");
    render(before);
    follow();
  } catch (err) {
    if (err.name !== "AbortError") problem(err.message);
  }
}

function syncToolbar() {
  $("#span-day").setAttribute("aria-pressed", String(state.days === 1));
  $("#span-week").setAttribute("aria-pressed", String(state.days === 7));
  $("#zone-local").setAttribute("aria-pressed", String(state.zone === "local"));
  $("#zone-utc").setAttribute("aria-pressed", String(state.zone === "utc"));
  for (const el of document.querySelectorAll(".step")) el.textContent = state.days === 7 ? "week" : "day";
  $("#date").value = state.date;
  $("#cooldown").value = state.cooldown;
  $("#artist_separation").value = state.artist_separation;
  for (const tr of document.querySelectorAll("#channel-table tr[data-channel]")) {
    tr.classList.toggle("selected", tr.dataset.channel === state.channel);
  }
}

// Lanes: an event that starts before the previous one ended is drawn beside
// it, so both halves of an overlap stay visible and clickable.
function lanes(events) {
  let holder = null; // the lane-0 event that reaches furthest
  for (const e of events) {
    e.split = false;
    if (holder && e.start < holder.end) {
      e.lane = 1;
      holder.split = true;
    } else {
      e.lane = 0;
      holder = e;
    }
  }
}

// Pixels per hour: a day shows a minute as a pixel (a half-hour programme
// has room for its title); a week fits a screen's height.
function scale(v) {
  return v.days.length === 1 ? 64 : 32;
}

function render(before) {
  const started = performance.now();
  const v = view;
  const zoneName = v.zone === "UTC" ? "UTC" : `${v.zone} (local)`;
  $("#channel-title").textContent = `${v.channel.display_name || v.channel.id} · ${zoneName}`;
  const findings = (v.validation.findings || []).filter((f) => !FINDING_HIDDEN.has(f.code));
  const events = (v.validation.events || []).map((e) => {
    const start = ms(e.start_us);
    return { raw: e, id: e.id, start, end: start + ms(e.duration_us), lane: 0 };
  });
  lanes(events);
  const flagged = new Map(); // event id -> worst severity
  const rank = { INFO: 1, WARNING: 2, ERROR: 3 };
  findings.forEach((f) => {
    const sev = f.severity;
    for (const id of f.event_ids || []) {
      if (!flagged.has(id) || rank[sev] > rank[flagged.get(id)]) flagged.set(id, sev);
    }
  });
  const known = before && before.channel.id === v.channel.id ? new Set((before.validation.events || []).map((e) => e.id)) : null;
  const pxPerHour = scale(v);
  const y = (ms, day) => ((ms - day.start_ms) / 3600000) * pxPerHour;
  const html = [];
  v.days.forEach((day, index) => {
    const hours = Math.round(day.hours * 100) / 100;
    html.push(`<div class="day" data-date="${esc(day.date)}" data-hours="${hours}">
      <h4>${esc(day.label)} <span class="hours${hours !== 24 ? " odd" : ""}">${hours} h</span></h4>
      <div class="track" style="height:${day.hours * pxPerHour}px">`);
    for (const t of v.ticks) {
      if (t.ms < day.start_ms || t.ms >= day.end_ms) continue;
      const label = t.shift ? `${t.label} ${t.offset}` : t.label;
      html.push(`<div class="tick${t.shift ? " shift" : ""}" style="top:${y(t.ms, day)}px"><span>${esc(label)}</span></div>`);
    }
    findings.forEach((f, i) => {
      if (!f.span) return;
      const s = Math.max(ms(f.span.start_us), day.start_ms), e = Math.min(ms(f.span.end_us), day.end_ms);
      if (e <= s && !(e === s && s > day.start_ms && s < day.end_ms)) return;
      const code = f.code;
      const cls = code === "GAP" || code === "OVERLAP" ? code : "other";
      html.push(`<div class="band ${cls}" data-finding="${i}" style="top:${y(s, day)}px;height:${Math.max(2, y(e, day) - y(s, day))}px"></div>`);
    });
    for (const e of events) {
      const s = Math.max(e.start, day.start_ms), end = Math.min(e.end, day.end_ms);
      if (end <= s) continue;
      const top = y(s, day), height = Math.max(2, y(end, day) - top);
      const sev = flagged.get(e.id);
      const classes = ["ev", "kind-" + e.raw.kind, "lane-" + e.lane];
      if (e.split) classes.push("split");
      if (sev) classes.push("flagged", "sev-" + sev);
      if (e.id === selectedId) classes.push("selected");
      if (known && !known.has(e.id)) classes.push("fresh");
      const title = e.raw.title || e.raw.asset_id || e.id;
      html.push(`<button type="button" class="${classes.join(" ")}" data-id="${esc(e.id)}" data-day="${index}"
        style="top:${top}px;height:${height}px" title="${esc(fmt(e.start) + " " + title)}"><span class="t">${esc(fmt(e.start).slice(0, 5))}</span>${esc(title)}</button>`);
    }
    html.push(`<div class="now" hidden><span></span></div></div></div>`);
  });
  const box = $("#timeline");
  const scroll = box.scrollTop;
  box.innerHTML = html.join("") || '<p class="empty">Nothing in this window.</p>';
  box.dataset.revision = String(v.revision);
  box.dataset.events = String(events.length);
  if (before && before.channel.id === v.channel.id && before.window.start_ms === v.window.start_ms) box.scrollTop = scroll;
  drawNow();
  renderFindings(findings);
  const s = v.validation.summary || {};
  $("#summary").textContent = `${events.length} events · ${findings.length} findings` +
    ` (${s.error_count || 0} errors, ${s.warning_count || 0} warnings) · revision ${v.revision}` +
    (s.gap_total_us ? ` · dead air ${span(ms(s.gap_total_us))}` : "") + (s.overlap_total_us ? ` · overlapping ${span(ms(s.overlap_total_us))}` : "");
  if (selectedId) showDetails(selectedId, false);
  // Read by bench/bench_page.py: how long drawing this view took.
  box.dataset.renderMs = (performance.now() - started).toFixed(1);
}

function renderFindings(findings) {
  const items = findings.map((f, i) => {
    const sev = f.severity;
    const code = f.code;
    const ids = f.event_ids || [];
    const when = f.span ? `${fmt(ms(f.span.start_us))}–${fmt(ms(f.span.end_us))}` : "";
    const links = ids.map((id) => `<button type="button" class="goto" data-goto="${esc(id)}">${esc(id)}</button>`).join("");
    return `<li class="finding sev-${esc(sev)}" data-finding="${i}" data-code="${esc(code)}" data-event-ids="${esc(ids.join(" "))}">
      <span class="sev">${esc(sev)}</span><span class="code">${esc(code)}</span> <span class="when">${esc(when)}</span>
      <div>${esc(f.message)}</div><div>${links}</div></li>`;
  });
  $("#findings").innerHTML = items.join("") || '<li class="empty">No findings in this window.</li>';
}

function drawNow() {
  if (!view) return;
  const now = Date.now();
  const pxPerHour = scale(view);
  document.querySelectorAll(".day").forEach((el, i) => {
    const day = view.days[i];
    const line = el.querySelector(".now");
    if (!line) return;
    const inside = now >= day.start_ms && now < day.end_ms;
    line.hidden = !inside;
    if (inside) {
      line.style.top = ((now - day.start_ms) / 3600000) * pxPerHour + "px";
      line.querySelector("span").textContent = "now " + fmt(now).slice(0, 5);
    }
  });
}

// -- event details: whatever the event's JSON holds, shown generically -------------------

function describe(value) {
  if (value === null || typeof value !== "object") return esc(value);
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) return value.map(esc).join(", ");
    return value.map(describe).join("");
  }
  const rows = Object.entries(value).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${k.endsWith("_us") ? micros(v) : describe(v)}</dd>`);
  return `<dl>${rows.join("")}</dl>`;
}

// A "*_us" field is an instant (after 1973) or a span, in microseconds: shown
// readable, with the stored number beside it.
function micros(us) {
  if (typeof us !== "number") return describe(us);
  const text = Math.abs(us) > 1e14 ? fmt(ms(us), true) : span(ms(us));
  return `${esc(text)} <span class="raw">(${esc(us)})</span>`;
}

function showDetails(id, focus) {
  const e = (view.validation.events || []).find((x) => x.id === id);
  if (!e) return;
  selectedId = id;
  document.querySelectorAll(".ev.selected").forEach((el) => el.classList.remove("selected"));
  const blocks = document.querySelectorAll(`.ev[data-id="${CSS.escape(id)}"]`);
  blocks.forEach((el) => el.classList.add("selected"));
  const start = ms(e.start_us), end = start + ms(e.duration_us);
  const about = (view.validation.findings || []).filter((f) => (f.event_ids || []).includes(id));
  const when = { shown_in: view.zone, end: fmt(end, true), start_utc: new Date(start).toISOString() };
  $("#details-title").textContent = e.title || e.id;
  $("#details-body").innerHTML = describe(when) + describe(e) +
    (about.length ? "<h4>Findings</h4>" + describe(about.map((f) => `${f.code}: ${f.message}`)) : "");
  const panel = $("#details");
  panel.hidden = false;
  panel.dataset.id = id;
  if (focus && blocks[0]) {
    blocks[0].scrollIntoView({ block: "center", inline: "nearest" });
    blocks[0].focus({ preventScroll: true });
  }
}

function closeDetails() {
  const panel = $("#details");
  panel.hidden = true;
  const id = selectedId;
  selectedId = "";
  document.querySelectorAll(".ev.selected").forEach((el) => el.classList.remove("selected"));
  const block = id && document.querySelector(`.ev[data-id="${CSS.escape(id)}"]`);
  if (block) block.focus();
}

// -- live ------------------------------------------------------------------------------------

function liveStatus(text, cls) {
  const el = $("#live-status");
  el.textContent = text;
  el.className = "live " + cls;
}

function closeStream() {
  if (source) source.close();
  source = null;
  sourceChannel = "";
  streamLost = false;
}

function follow() {
  if (source && sourceChannel === view.channel.id) return;
  closeStream();
  sourceChannel = view.channel.id;
  const url = `/api/channels/${encodeURIComponent(sourceChannel)}/live?revision=${view.revision}`;
  source = new EventSource(url);
  source.onopen = () => {
    if (streamLost) {
      streamLost = false;
      liveStatus(`Live stream regained at ${new Date().toLocaleTimeString("en-GB")}`, "regained");
      refetchSoon(); // whatever happened while away
    } else {
      liveStatus("Live", "ok");
    }
  };
  source.onerror = () => {
    if (!streamLost) {
      streamLost = true;
      liveStatus("Live stream lost: reconnecting…", "lost");
    }
  };
  source.addEventListener("change", (msg) => {
    const c = JSON.parse(msg.data);
    if (!view || c.revision <= view.revision) return;
    if (c.channel_deleted) {
      problem(`Channel ${sourceChannel} was deleted (revision ${c.revision}).`);
      refetchSoon();
      return;
    }
    const shown = new Set((view.validation.events || []).map((e) => e.id));
    const touches = (c.span_ms && c.span_ms[0] < view.window.end_ms && c.span_ms[1] > view.window.start_ms) ||
      c.removed_ids.some((id) => shown.has(id)) || c.removed > c.removed_ids.length;
    if (touches) refetchSoon();
    else {
      view.revision = c.revision; // elsewhere on the channel: nothing to redraw
      $("#timeline").dataset.revision = String(c.revision);
    }
    loadChannels();
  });
  source.addEventListener("resync", () => refetchSoon());
  source.addEventListener("end", (msg) => {
    streamLost = true;
    liveStatus("Live stream lost (" + JSON.parse(msg.data).message + "): reconnecting…", "lost");
  });
}

function refetchSoon() {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(loadView, 50);
}

// -- wiring ------------------------------------------------------------------------------------

function step(sign) {
  const base = state.date || (view && view.days[0].date);
  if (!base) return;
  state.date = addDays(base, sign * state.days);
  writeHash();
}

// Today's date where the page's view is drawn (the channel's zone, or UTC).
function today() {
  const zone = view ? view.zone : "UTC";
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function goToday() {
  state.date = state.days === 7 ? monday(today()) : "";
  writeHash();
}

function setDays(days) {
  state.days = days;
  if (days === 7 && state.date) state.date = monday(state.date);
  writeHash();
}

function setZone(zone) {
  state.zone = zone;
  writeHash();
}

function firstFinding() {
  const first = document.querySelector("#findings .finding");
  if (first) activateFinding(first, true);
}

function activateFinding(li, focus) {
  document.querySelectorAll(".findings li.active, .band.active").forEach((el) => el.classList.remove("active"));
  li.classList.add("active");
  const bands = document.querySelectorAll(`.band[data-finding="${li.dataset.finding}"]`);
  bands.forEach((b) => b.classList.add("active"));
  if (bands[0]) bands[0].scrollIntoView({ block: "center", inline: "nearest" });
  if (focus) {
    const button = li.querySelector("button");
    if (button) button.focus();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  readHash();
  loadChannels();
  loadView();
  setInterval(drawNow, 30000);
  setInterval(loadChannels, 30000);
  window.addEventListener("hashchange", () => {
    const channel = state.channel;
    readHash();
    if (channel !== state.channel) selectedId = "";
    loadView();
  });
  $("#channel-table").addEventListener("click", (ev) => {
    const id = ev.target.closest("[data-open]");
    if (!id) return;
    state.channel = id.dataset.open;
    state.date = "";
    writeHash();
  });
  $("#prev").addEventListener("click", () => step(-1));
  $("#next").addEventListener("click", () => step(1));
  $("#today").addEventListener("click", goToday);
  $("#date").addEventListener("change", (ev) => { if (ev.target.value) { state.date = ev.target.value; writeHash(); } });
  $("#span-day").addEventListener("click", () => setDays(1));
  $("#span-week").addEventListener("click", () => setDays(7));
  $("#zone-local").addEventListener("click", () => setZone("local"));
  $("#zone-utc").addEventListener("click", () => setZone("utc"));
  $("#rules").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.cooldown = $("#cooldown").value;
    state.artist_separation = $("#artist_separation").value;
    writeHash();
  });
  $("#timeline").addEventListener("click", (ev) => {
    const block = ev.target.closest(".ev");
    if (block) showDetails(block.dataset.id, false);
  });
  $("#findings").addEventListener("click", (ev) => {
    const go = ev.target.closest("[data-goto]");
    const li = ev.target.closest("li.finding");
    if (li) activateFinding(li, false);
    if (go) showDetails(go.dataset.goto, true);
  });
  $("#details-close").addEventListener("click", closeDetails);
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const keys = {
      ArrowLeft: () => step(-1), ArrowRight: () => step(1), t: goToday,
      d: () => setDays(1), w: () => setDays(7), u: () => setZone(state.zone === "local" ? "utc" : "local"),
      f: firstFinding, Escape: closeDetails,
    };
    if (keys[ev.key] && state.channel) {
      ev.preventDefault();
      keys[ev.key]();
    }
  });
});
