// The sandbox page: a Slack-like channel over the simulator's /sim/api. Every action is sent to
// the simulator, which delivers it to the bot as Slack would (signed HTTP); the page redraws
// from the simulator's state, fetched by long polling.
import { emoji, textObject } from "./mrkdwn.js";
import { renderBlocks, renderMessageBody, collectValues } from "./blocks.js";

const REACTIONS = [
  ["+1", "good"], ["white_check_mark", "good"], ["heart", "good"],
  ["-1", "bad — the bot asks what should change"], ["x", "bad"],
];
const $ = (sel) => document.querySelector(sel);
const view = {
  state: null,
  version: -1,
  user: localStorage.getItem("sim.user") || "U0ALICE",
  channel: localStorage.getItem("sim.channel") || "C0GENERAL",
  pane: "channel", // channel | home
  thread: null, // ts of the open thread
  modalKey: "", // id+hash of the modal on screen, so typing is not lost on redraw
  highlight: null, // ts of a message to show (from a permalink)
  activity: false, // the requests pane is open
  viewErrors: {},
};

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// -- talking to the simulator ------------------------------------------------------------------
async function act(action, body) {
  const resp = await fetch(`/sim/api/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: view.user, ...body }),
  });
  const data = await resp.json().catch(() => ({ ok: false, error: "bad_response" }));
  if (!data.ok) toast(`${action}: ${data.error}${data.detail ? " — " + data.detail : ""}`, "error");
  else if (data.status !== 200) {
    const why = data.deliveries?.[0]?.error || `HTTP ${data.status}`;
    toast(`The app did not accept it (${why}).`, "error");
  }
  return data;
}

let toastTimer = null;
function toast(text, kind = "info") {
  const t = $("#toast");
  t.textContent = text;
  t.className = "toast show " + kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.className = "toast"), 6000);
}

async function poll() {
  for (;;) {
    try {
      const resp = await fetch(`/sim/api/state?since=${view.version}&wait=20`);
      const data = await resp.json();
      if (data.changed) {
        view.state = data;
        view.version = data.version;
        render();
      }
      $("#offline").hidden = true;
    } catch (e) {
      $("#offline").hidden = false;
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
}

// -- helpers over the state --------------------------------------------------------------------
const users = () => view.state?.users || [];
const userName = (id) => users().find((u) => u.id === id)?.name || id;
const realName = (id) => users().find((u) => u.id === id)?.real_name || userName(id);
const channels = () => view.state?.channels || [];
const channelName = (id) => channels().find((c) => c.id === id)?.name || id;
const messages = () => view.state?.messages?.[view.channel] || [];
const isTop = (m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast";
const myEphemerals = () =>
  (view.state?.ephemerals?.[view.user] || []).filter((m) => m.channel === view.channel);

function ctx(message, surface) {
  return {
    userName,
    channelName,
    channels,
    currentChannel: () => view.channel,
    confirm: confirmDialog,
    openChannel: (id) => {
      if (!channels().some((c) => c.id === id)) return;
      view.pane = "channel";
      view.channel = id;
      view.thread = null;
      render();
    },
    onButton: (actionId, btn) => {
      btn.disabled = true;
      const done = () => setTimeout(() => (btn.disabled = false), 400);
      if (surface) act("click_view_button", { view_id: surface.id, action_id: actionId }).finally(done);
      else act("click_button", { channel: view.channel, ts: message.ts, action_id: actionId }).finally(done);
    },
  };
}

// A button's `confirm` object, shown as Slack shows it; resolves true on confirm.
function confirmDialog(c) {
  return new Promise((resolve) => {
    const box = $("#confirm");
    box.replaceChildren();
    box.appendChild(el("div", "modal-title", c.title?.text || "Are you sure?"));
    const body = el("div", "confirm-text");
    body.appendChild(textObjectFor(c.text));
    box.appendChild(body);
    const foot = el("div", "modal-foot");
    const deny = el("button", "bk-button", c.deny?.text || "Cancel");
    const ok = el("button", "bk-button " + (c.style === "danger" ? "danger-fill" : "primary"), c.confirm?.text || "Yes");
    deny.type = ok.type = "button";
    ok.classList.add("confirm-ok");
    const close = (answer) => {
      $("#confirm-overlay").hidden = true;
      resolve(answer);
    };
    deny.addEventListener("click", () => close(false));
    ok.addEventListener("click", () => close(true));
    foot.append(deny, ok);
    box.appendChild(foot);
    $("#confirm-overlay").hidden = false;
    ok.focus();
  });
}

function textObjectFor(obj) {
  return obj ? textObject(obj, ctx(null)) : el("span");
}

function time(ts) {
  const d = new Date(parseFloat(ts) * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// -- rendering ---------------------------------------------------------------------------------
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

function renderSidebar() {
  const info = view.state.info || {};
  $("#team-name").textContent = view.state.team?.name || "Sandbox";
  $("#model").textContent = info.model || "unknown";
  $("#model").title = info.model_note || "";
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

function reactionBar(msg) {
  const bar = el("div", "reactions");
  for (const r of msg.reactions || []) {
    const mine = r.users.includes(view.user);
    const pill = el("button", "reaction" + (mine ? " mine" : ""));
    pill.type = "button";
    pill.dataset.reaction = r.name;
    pill.title = `${r.users.map(userName).join(", ")} reacted with :${r.name}:`;
    pill.appendChild(el("span", "emoji", emoji(r.name)));
    pill.appendChild(el("span", "count", String(r.count)));
    pill.addEventListener("click", () =>
      act(mine ? "remove_reaction" : "add_reaction", { channel: view.channel, ts: msg.ts, name: r.name }),
    );
    bar.appendChild(pill);
  }
  const add = el("button", "reaction add-reaction", "☺+");
  add.type = "button";
  add.title = "Add reaction";
  add.addEventListener("click", (e) => openPicker(e.currentTarget, msg));
  bar.appendChild(add);
  return bar;
}

function openPicker(anchor, msg) {
  const picker = $("#picker");
  picker.replaceChildren();
  for (const [name, meaning] of REACTIONS) {
    const b = el("button", "pick", emoji(name));
    b.type = "button";
    b.dataset.reaction = name;
    b.title = `:${name}: ${meaning}`;
    b.addEventListener("click", () => {
      picker.hidden = true;
      const already = (msg.reactions || []).some((r) => r.name === name && r.users.includes(view.user));
      act(already ? "remove_reaction" : "add_reaction", { channel: view.channel, ts: msg.ts, name });
    });
    picker.appendChild(b);
  }
  const rect = anchor.getBoundingClientRect();
  picker.style.left = `${Math.min(rect.left, window.innerWidth - 260)}px`;
  picker.style.top = `${Math.max(8, rect.top - 52)}px`;
  picker.hidden = false;
}

function messageNode(msg, { inThread = false } = {}) {
  const node = el("div", "message" + (msg.subtype === "ephemeral" ? " ephemeral" : ""));
  node.dataset.ts = msg.ts;
  node.id = `msg-${msg.ts}`;
  const isBot = Boolean(msg.bot_id);
  const avatar = el("div", "avatar" + (isBot ? " bot" : ""), isBot ? "🤖" : userName(msg.user).slice(0, 1).toUpperCase());
  node.appendChild(avatar);
  const main = el("div", "message-main");
  const head = el("div", "message-head");
  head.appendChild(el("span", "author", isBot ? (msg.bot_profile?.name || "alignbot") : realName(msg.user)));
  if (isBot) head.appendChild(el("span", "app-badge", "APP"));
  head.appendChild(el("span", "time", time(msg.ts)));
  if (msg.edited) head.appendChild(el("span", "edited", "(edited)"));
  main.appendChild(head);
  if (msg.subtype === "ephemeral") {
    const note = el("div", "ephemeral-note", "Only visible to you");
    const dismiss = el("button", "link", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", () =>
      fetch("/sim/api/dismiss_ephemeral", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: view.user, ts: msg.ts }),
      }),
    );
    note.appendChild(dismiss);
    main.appendChild(note);
  }
  const body = el("div", "message-body");
  body.appendChild(renderMessageBody(msg, ctx(msg)));
  main.appendChild(body);
  for (const f of msg.files || []) main.appendChild(fileCard(f));
  if (msg.subtype !== "ephemeral") main.appendChild(reactionBar(msg));
  if (!inThread && msg.subtype !== "ephemeral") {
    const n = msg.reply_count || 0;
    const link = el("button", "thread-link", n ? `${n} ${n === 1 ? "reply" : "replies"}` : "Reply in thread");
    link.type = "button";
    link.classList.toggle("has-replies", n > 0);
    link.addEventListener("click", () => openThread(msg.ts));
    main.appendChild(link);
  }
  node.appendChild(main);
  return node;
}

// Lists that were scrolled to the end stay there after a redraw (new messages show), others
// keep their place. Measured before and applied after *all* drawing: opening the thread pane
// narrows the channel, which makes it taller.
function fileCard(f) {
  const card = el("div", "file-card");
  card.appendChild(el("span", "file-icon", "📄"));
  const info = el("div", "file-info");
  info.appendChild(el("div", "file-title", f.title || f.name));
  info.appendChild(el("div", "file-meta", `${f.name} · ${(f.size / 1024).toFixed(1)} KB`));
  card.appendChild(info);
  const open = el("a", "bk-button small", "Open");
  open.href = `/sim/files/${encodeURIComponent(f.id)}`;
  open.target = "_blank";
  open.rel = "noopener";
  card.appendChild(open);
  return card;
}

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

function renderModal() {
  const stack = view.state.modal_stacks?.[view.user] || [];
  const overlay = $("#modal-overlay");
  if (!stack.length) {
    overlay.hidden = true;
    view.modalKey = "";
    return;
  }
  const modal = view.state.views[stack[stack.length - 1]];
  const key = `${modal.id}:${modal.hash}`;
  overlay.hidden = false;
  if (key === view.modalKey) return showViewErrors();
  view.modalKey = key;
  view.viewErrors = {};
  const box = $("#modal");
  box.replaceChildren();
  box.dataset.viewId = modal.id;
  box.dataset.callbackId = modal.callback_id || "";
  const head = el("div", "modal-head");
  head.appendChild(el("span", "modal-title", modal.title?.text || ""));
  const x = el("button", "modal-x", "×");
  x.type = "button";
  x.title = "Close";
  x.addEventListener("click", () => act("close_view", { view_id: modal.id }));
  head.appendChild(x);
  box.appendChild(head);
  const body = el("form", "modal-body");
  body.appendChild(renderBlocks(modal.blocks, ctx(null, modal)));
  body.addEventListener("submit", (e) => {
    e.preventDefault();
    submitModal(modal, body);
  });
  box.appendChild(body);
  const foot = el("div", "modal-foot");
  const cancel = el("button", "bk-button", modal.close?.text || "Cancel");
  cancel.type = "button";
  cancel.addEventListener("click", () => act("close_view", { view_id: modal.id }));
  foot.appendChild(cancel);
  if (modal.submit) {
    const submit = el("button", "bk-button primary modal-submit", modal.submit.text);
    submit.type = "button";
    submit.addEventListener("click", () => submitModal(modal, body));
    foot.appendChild(submit);
  }
  box.appendChild(foot);
  const first = box.querySelector("input, textarea, select");
  if (first) first.focus();
}

async function submitModal(modal, form) {
  const values = collectValues(form);
  const missing = {};
  for (const b of modal.blocks || []) {
    if (b.type === "input" && !b.optional) {
      const v = values[b.block_id];
      if (v === undefined || v === "" || (Array.isArray(v) && !v.length)) missing[b.block_id] = "Please fill out this field.";
    }
  }
  if (Object.keys(missing).length) {
    view.viewErrors = missing;
    return showViewErrors();
  }
  const data = await act("submit_view", { view_id: modal.id, values });
  view.viewErrors = data.view_errors || {};
  showViewErrors();
}

function showViewErrors() {
  for (const wrap of document.querySelectorAll("#modal .bk-input")) {
    wrap.querySelector(".bk-error").textContent = view.viewErrors[wrap.dataset.blockId] || "";
    wrap.classList.toggle("invalid", Boolean(view.viewErrors[wrap.dataset.blockId]));
  }
}

// -- composing ---------------------------------------------------------------------------------
async function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const cmd = text.match(/^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i);
  if (cmd) {
    const wire = toWire(cmd[2] || "", true);
    await act("slash_command", { channel: view.channel, command: cmd[1], text: wire });
  } else {
    await act("post_message", { channel: view.channel, text: toWire(text, false), thread_ts: threadTs || null });
  }
}

// What Slack's client sends for typed text: &, <, > escaped; @name, #channel and links encoded
// (slash commands carry labels too, as with the manifest's should_escape: true).
function toWire(text, command) {
  let out = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  out = out.replace(/(^|[\s(])@(channel|here|everyone)\b/g, (m, pre, w) => `${pre}<!${w}>`);
  out = out.replace(/(^|[\s(])@([a-z0-9._-]+)/gi, (m, pre, name) => {
    const u = users().find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!u) return m;
    return `${pre}<@${u.id}${command ? "|" + u.name : ""}>`;
  });
  out = out.replace(/(^|[\s(])#([a-z0-9._-]+)/gi, (m, pre, name) => {
    const c = channels().find((x) => x.name.toLowerCase() === name.toLowerCase());
    return c ? `${pre}<#${c.id}|${c.name}>` : m;
  });
  return out.replace(/(^|[\s(])(https?:\/\/[^\s<>]+)/g, (m, pre, url) => `${pre}<${url}>`);
}

const ALIGN_HINT = "/align help · new NAME TEMPLATE · list · show NAME · run NAME var=value · " +
  "principles NAME · principle NAME TEXT · propose NAME · mode NAME principles|direct · " +
  "history NAME · diff NAME vA vB · rollback NAME vN · settings NAME key=value · export NAME";

function showCommandHint(text) {
  const hint = $("#command-hint");
  const show = /^\/[a-z]*$/i.test(text) || /^\/align(\s|$)/i.test(text);
  hint.hidden = !show || text.includes("\n");
  hint.textContent = ALIGN_HINT;
}

function wireComposer(form, input, threadTs) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(input, threadTs());
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send(input, threadTs());
    }
  });
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

function init() {
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
  $("#reset").addEventListener("click", async () => {
    if (!confirm("Start over? This deletes every template, run and message in the sandbox.")) return;
    $("#reset").disabled = true;
    const resp = await fetch("/sim/api/reset", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    const data = await resp.json().catch(() => ({}));
    $("#reset").disabled = false;
    toast(data.ok ? "The sandbox starts over." : `Reset failed: ${data.detail || data.error}`, data.ok ? "info" : "error");
  });
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
