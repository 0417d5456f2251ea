// One message as Slack shows it: author, Block Kit body, files, reactions, thread link.
import { emoji } from "./mrkdwn.js";
import { renderMessageBody } from "./blocks.js";
import { $, REACTIONS, act, ctx, el, hooks, realName, time, userName, view } from "./shared.js";

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

export function openPicker(anchor, msg) {
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

export function messageNode(msg, { inThread = false } = {}) {
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
    link.addEventListener("click", () => hooks.openThread(msg.ts));
    main.appendChild(link);
  }
  node.appendChild(main);
  return node;
}

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
