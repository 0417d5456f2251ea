// What the page's modules share: the view state, DOM and API helpers, and the context that
// Block Kit rendering calls back into (hooks are filled in by app.js and modal.js).

// Set at start-up: redraw everything; ask a button's confirmation; open a thread.
export const hooks = { render: () => {}, confirm: async () => true, openThread: () => {} };

export const REACTIONS = [
  ["+1", "good"], ["white_check_mark", "good"], ["heart", "good"],
  ["-1", "bad — the bot asks what should change"], ["x", "bad"],
];
export const $ = (sel) => document.querySelector(sel);
export const view = {
  state: null,
  version: -1,
  instance: "", // the server's id: it changes when the sandbox restarts
  user: localStorage.getItem("sim.user") || "U0ALICE",
  channel: localStorage.getItem("sim.channel") || "C0GENERAL",
  pane: "channel", // channel | home
  thread: null, // ts of the open thread
  modalKey: "", // id+hash of the modal on screen, so typing is not lost on redraw
  highlight: null, // ts of a message to show (from a permalink)
  activity: false, // the requests pane is open
  viewErrors: {},
};

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// -- talking to the simulator ------------------------------------------------------------------
export async function act(action, body) {
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
export function toast(text, kind = "info") {
  const t = $("#toast");
  t.textContent = text;
  t.className = "toast show " + kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.className = "toast"), 6000);
}
export const users = () => view.state?.users || [];
export const userName = (id) => users().find((u) => u.id === id)?.name || id;
export const realName = (id) => users().find((u) => u.id === id)?.real_name || userName(id);
export const channels = () => view.state?.channels || [];
export const channelName = (id) => channels().find((c) => c.id === id)?.name || id;
export const messages = () => view.state?.messages?.[view.channel] || [];
export const isTop = (m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast";
export const myEphemerals = () =>
  (view.state?.ephemerals?.[view.user] || []).filter((m) => m.channel === view.channel);

export function ctx(message, surface) {
  return {
    userName,
    channelName,
    channels,
    currentChannel: () => view.channel,
    // A file picked in a modal's file_input goes to the sim first, as Slack's client uploads it.
    uploadFile: (name, content) => act("upload_file", { name, content }),
    confirm: (c) => hooks.confirm(c),
    openChannel: (id) => {
      if (!channels().some((c) => c.id === id)) return;
      view.pane = "channel";
      view.channel = id;
      view.thread = null;
      hooks.render();
    },
    onButton: (actionId, btn) => {
      btn.disabled = true;
      const done = () => setTimeout(() => (btn.disabled = false), 400);
      if (surface) act("click_view_button", { view_id: surface.id, action_id: actionId }).finally(done);
      else act("click_button", { channel: view.channel, ts: message.ts, action_id: actionId }).finally(done);
    },
  };
}
export function time(ts) {
  const d = new Date(parseFloat(ts) * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

