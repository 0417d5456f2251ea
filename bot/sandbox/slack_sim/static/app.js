// The sandbox page: a Slack-like channel over the simulator's /sim/api. Every action is sent to
// the simulator, which delivers it to the bot as Slack would (signed HTTP); the page redraws
// from the simulator's state, fetched by long polling.
import { renderBlocks } from "./blocks.js";
import { showCommandHint, wireComposer } from "./composer.js";
import { messageNode } from "./messages.js";
import { confirmDialog, renderModal } from "./modal.js";
import {
  $, act, channelName, channels, ctx, el, hooks, isTop, messages, myEphemerals, toast, users, view,
} from "./shared.js";

// Long polls the simulator's state. A restarted server has a new instance id and counts its
// changes from zero again; the server answers such a page at once with everything, and the page
// takes it whole.
async function poll() {
  for (;;) {
    try {
      const q = `since=${view.version}&wait=20&instance=${encodeURIComponent(view.instance || "")}`;
      const resp = await fetch(`/sim/api/state?${q}`);
      const data = await resp.json();
      const restarted = Boolean(view.instance) && data.instance !== view.instance;
      view.instance = data.instance;
      if (data.changed || restarted) {
        view.state = data;
        view.version = data.version;
        if (restarted) onRestart();
        render();
      }
      $("#offline").hidden = true;
    } catch (e) {
      $("#offline").hidden = false;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

// A new server (a restart, or a reset here or in another tab): drop what referred to the old
// one; after a reset the page is as on a first start (the tour shows again).
function onRestart() {
  view.modalKey = "";
  if (view.state.info?.fresh) showTour();
  if (view.thread && !messages().some((m) => m.ts === view.thread)) view.thread = null;
  if (view.activity) renderActivity();
}

// -- helpers over the state --------------------------------------------------------------------
function render() {
  window.__sandboxRenders = (window.__sandboxRenders || 0) + 1; // for tests: redraws so far
  keepScroll(() => {
    renderSidebar();
    if (view.pane === "home") renderHome();
    else renderChannel();
    renderThread();
    renderModal();
  });
  if (view.activity) renderActivity();
  highlight();
}

// The requests the simulator sent to the app: what Slack would have sent, and the answers.
async function renderActivity() {
  const resp = await fetch("/sim/api/deliveries");
  const data = await resp.json();
  const list = $("#activity-list");
  list.replaceChildren();
  for (const d of data.deliveries.slice(-60).reverse()) {
    const row = el("div", "activity-row" + (d.status === 200 ? "" : " failed"));
    row.appendChild(el("span", "a-time", new Date(d.at * 1000).toLocaleTimeString([], { hour12: false })));
    row.appendChild(el("span", "a-kind", d.kind));
    row.appendChild(el("span", "a-label", d.label + (d.retry_num ? ` (retry ${d.retry_num})` : "")));
    row.appendChild(el("span", "a-status", d.status ? String(d.status) : d.error || "no answer"));
    row.appendChild(el("span", "a-ms", `${Math.round(d.elapsed_ms)} ms`));
    list.appendChild(row);
  }
  if (!data.deliveries.length) list.appendChild(el("div", "empty", "Nothing sent to the app yet."));
}

// What the model in use does, in words on the page (not only in a hover).
function renderModelInfo(info) {
  const offline = info.align_model === "offline" || info.target_model === "offline";
  $("#model-summary").textContent = offline
    ? "A stand-in that needs no keys: the loop works, but it repeats prompts instead of writing, and cannot tell good outputs from bad."
    : info.model_note || "";
  $("#model-detail").textContent = info.model || "unknown";
  $("#offline-about").hidden = !offline;
  $("#real-about").hidden = offline;
}

function renderSidebar() {
  const info = view.state.info || {};
  $("#team-name").textContent = view.state.team?.name || "Sandbox";
  $("#model").textContent = info.model || "unknown";
  renderModelInfo(info);
  const list = $("#channels");
  list.replaceChildren();
  for (const c of channels()) {
    const li = el("li", "nav-item" + (view.pane === "channel" && c.id === view.channel ? " active" : ""));
    li.textContent = "# " + c.name;
    li.dataset.channel = c.id;
    li.addEventListener("click", () => {
      view.pane = "channel";
      view.channel = c.id;
      localStorage.setItem("sim.channel", c.id);
      view.thread = null;
      render();
    });
    list.appendChild(li);
  }
  const home = $("#home-link");
  home.classList.toggle("active", view.pane === "home");
  const who = $("#user-select");
  if (!who.options.length) {
    for (const u of users().filter((u) => !u.is_bot)) {
      const opt = el("option", "", `${u.real_name} (@${u.name})`);
      opt.value = u.id;
      who.appendChild(opt);
    }
  }
  who.value = view.user;
}

// Lists that were scrolled to the end stay there after a redraw (new messages show), others
// keep their place. Measured before and applied after *all* drawing: opening the thread pane
// narrows the channel, which makes it taller.
function keepScroll(draw) {
  const lists = [...document.querySelectorAll(".messages")].map((list) => ({
    list,
    atBottom: list.scrollHeight - list.scrollTop - list.clientHeight < 40,
    top: list.scrollTop,
  }));
  draw();
  for (const { list, atBottom, top } of lists) list.scrollTop = atBottom ? list.scrollHeight : top;
}

function renderChannel() {
  $("#channel-pane").hidden = false;
  $("#home-pane").hidden = true;
  $("#channel-title").textContent = "# " + channelName(view.channel);
  $("#composer-input").placeholder = `Message #${channelName(view.channel)} — or type /align help`;
  const list = $("#messages");
  {
    list.replaceChildren();
    const items = [...messages().filter(isTop), ...myEphemerals().filter((m) => !m.thread_ts)];
    items.sort((a, b) => parseFloat(a.ts) - parseFloat(b.ts));
    if (!items.length) list.appendChild(el("div", "empty", "No messages yet. Try /align help"));
    for (const m of items) list.appendChild(messageNode(m));
  }
}

function renderHome() {
  $("#channel-pane").hidden = true;
  $("#home-pane").hidden = false;
  const id = view.state.home_views?.[view.user];
  const box = $("#home-body");
  box.replaceChildren();
  if (!id) {
    box.appendChild(el("div", "empty", "The app has not published a Home tab for you yet."));
    return;
  }
  const home = view.state.views[id];
  box.appendChild(renderBlocks(home.blocks, ctx(null, home)));
}

function openThread(ts) {
  view.thread = ts;
  keepScroll(renderThread);
  const list = $("#thread-messages");
  list.scrollTop = list.scrollHeight;
  $("#thread-input").focus();
}

function renderThread() {
  const pane = $("#thread-pane");
  const parent = messages().find((m) => m.ts === view.thread);
  if (!view.thread || !parent || view.pane !== "channel") {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const list = $("#thread-messages");
  {
    list.replaceChildren();
    list.appendChild(messageNode(parent, { inThread: true }));
    const n = parent.reply_count || 0;
    list.appendChild(el("div", "reply-count", `${n} ${n === 1 ? "reply" : "replies"}`));
    const replies = messages().filter((m) => m.thread_ts === view.thread && m.ts !== view.thread);
    const eph = (view.state.ephemerals?.[view.user] || []).filter((m) => m.thread_ts === view.thread);
    for (const m of [...replies, ...eph].sort((a, b) => parseFloat(a.ts) - parseFloat(b.ts))) {
      list.appendChild(messageNode(m, { inThread: true }));
    }
  }
}
function fromHash() {
  // #C0GENERAL/<thread ts>/<message ts>, as permalinks redirect
  const [channel, thread, ts] = decodeURIComponent(location.hash.slice(1)).split("/");
  if (channel) {
    view.pane = "channel";
    view.channel = channel;
  }
  if (thread) view.thread = thread;
  view.highlight = ts || thread || null;
  view.scrolledTo = null;
}

// Shows the message a permalink points at: marked (on every redraw), scrolled to once.
function highlight() {
  if (!view.highlight) return;
  const sel = `[data-ts="${CSS.escape(view.highlight)}"]`;
  const nodes = document.querySelectorAll(`#thread-messages ${sel}, #messages ${sel}`);
  nodes.forEach((n) => n.classList.add("highlight"));
  if (nodes.length && !view.scrolledTo) {
    view.scrolledTo = view.highlight;
    const node = nodes[nodes.length - 1];
    const list = node.closest(".messages");
    list.scrollTop = node.offsetTop - list.offsetTop - list.clientHeight / 3;
  }
}

function showTour() {
  localStorage.removeItem("sim.tourDone");
  $("#tour").hidden = false;
}

// Asks in the page (not the browser's confirm()), then starts the sandbox over.
async function resetSandbox() {
  const sure = await confirmDialog({
    title: { type: "plain_text", text: "Start over?" },
    text: { type: "mrkdwn", text: "This deletes every template, run and message in the sandbox, and the list of requests to the app. The example is created again." },
    confirm: { type: "plain_text", text: "Reset sandbox" },
    deny: { type: "plain_text", text: "Cancel" },
    style: "danger",
  });
  if (!sure) return;
  $("#reset").disabled = true;
  const resp = await fetch("/sim/api/reset", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  const data = await resp.json().catch(() => ({}));
  $("#reset").disabled = false;
  if (!data.ok) return toast(`Reset failed: ${data.detail || data.error}`, "error");
  view.thread = null;
  showTour();
  if (view.activity) renderActivity();
  toast("The sandbox starts over.", "info");
}

function init() {
  Object.assign(hooks, { render, confirm: confirmDialog, openThread });
  $("#tour").hidden = localStorage.getItem("sim.tourDone") === "1";
  $("#tour-close").addEventListener("click", () => {
    localStorage.setItem("sim.tourDone", "1");
    $("#tour").hidden = true;
  });
  fromHash();
  wireComposer($("#composer"), $("#composer-input"), () => null);
  $("#composer-input").addEventListener("input", (e) => showCommandHint(e.target.value));
  $("#composer").addEventListener("submit", () => showCommandHint(""));
  $("#composer-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) showCommandHint("");
  });
  wireComposer($("#thread-composer"), $("#thread-input"), () => view.thread);
  $("#thread-close").addEventListener("click", () => {
    view.thread = null;
    keepScroll(renderThread);
  });
  $("#activity-link").addEventListener("click", () => {
    view.activity = !view.activity;
    $("#activity-pane").hidden = !view.activity;
    $("#activity-link").classList.toggle("active", view.activity);
    if (view.activity) renderActivity();
  });
  $("#activity-close").addEventListener("click", () => $("#activity-link").click());
  const toggleModel = () => {
    const show = $("#model-pane").hidden;
    $("#model-pane").hidden = !show;
    $("#model-link").classList.toggle("active", show);
  };
  $("#model-link").addEventListener("click", toggleModel);
  $("#model-close").addEventListener("click", toggleModel);
  $("#home-link").addEventListener("click", () => {
    view.pane = "home";
    view.thread = null;
    act("open_app_home", {});
    render();
  });
  $("#user-select").addEventListener("change", (e) => {
    view.user = e.target.value;
    localStorage.setItem("sim.user", view.user);
    view.modalKey = "";
    if (view.pane === "home") act("open_app_home", {});
    render();
  });
  $("#reset").addEventListener("click", resetSandbox);
  document.addEventListener("click", (e) => {
    const picker = $("#picker");
    if (!picker.hidden && !picker.contains(e.target) && !e.target.classList.contains("add-reaction")) picker.hidden = true;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") $("#picker").hidden = true;
  });
  window.addEventListener("hashchange", () => {
    fromHash();
    if (view.state) render();
  });
  poll();
}

init();
