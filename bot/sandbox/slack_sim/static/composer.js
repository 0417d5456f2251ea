// The message boxes: text is sent as Slack's client sends it, `/command …` as a slash command.
import { $, act, channels, el, users, view } from "./shared.js";

// What is typed goes out in the order it was typed: each send waits for the one before it, as
// Slack's client delivers a user's messages and commands one after another (two quick Enters must
// not race, e.g. `/align new x …` then `/align settings x …`).
let outbox = Promise.resolve();

function send(input, threadTs) {
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const cmd = text.match(/^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i);
  const who = { user: view.user, channel: view.channel };  // as it was when Enter was pressed
  const [action, body] = cmd
    ? ["slash_command", { ...who, command: cmd[1], text: toWire(cmd[2] || "", true) }]
    : ["post_message", { ...who, text: toWire(text, false), thread_ts: threadTs || null }];
  const deliver = () => act(action, body);
  outbox = outbox.then(deliver, deliver);
}

// What Slack's client sends for typed text: &, <, > escaped; @name, #channel and links encoded
// (slash commands carry labels too, as with the manifest's should_escape: true). A mention may
// follow `=` or `,` too, as in `approvers=@bob,@carol`.
export function toWire(text, command) {
  let out = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  out = out.replace(/(^|[\s(=,])@(channel|here|everyone)\b/g, (m, pre, w) => `${pre}<!${w}>`);
  out = out.replace(/(^|[\s(=,])@([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)/gi, (m, pre, name) => {
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

export function showCommandHint(text) {
  const hint = $("#command-hint");
  const show = /^\/[a-z]*$/i.test(text) || /^\/align(\s|$)/i.test(text);
  hint.hidden = !show || text.includes("\n");
  hint.textContent = ALIGN_HINT;
}

// -- @mention autocomplete -----------------------------------------------------------------------
// Typing `@` (at the start, after a space, `(`, `=` or `,`) lists the sandbox's people whose name
// starts with what follows; ↑/↓ choose, Tab or Enter (or a click) puts `@name` in, Esc closes.
// Enter sends instead when the name is already typed in full.
const MENTION = /(^|[\s(=,])@([a-z0-9._-]*)$/i;
const mention = { input: null, start: 0, matches: [], index: 0 };

function mentionQuery(input) {
  const before = input.value.slice(0, input.selectionStart);
  const m = before.match(MENTION);
  return m ? { start: before.length - m[2].length - 1, prefix: m[2].toLowerCase() } : null;
}

function updateMentions(input) {
  const box = $("#mention-list");
  const q = mentionQuery(input);
  const people = users()
    .filter((u) => !u.deleted)
    .sort((a, b) => Number(Boolean(a.is_bot)) - Number(Boolean(b.is_bot)) || a.name.localeCompare(b.name));
  mention.matches = q ? people.filter((u) => u.name.toLowerCase().startsWith(q.prefix)) : [];
  if (!q || !mention.matches.length) {
    box.hidden = true;
    mention.input = null;
    return;
  }
  if (mention.input !== input || mention.start !== q.start) mention.index = 0;
  Object.assign(mention, { input, start: q.start, prefix: q.prefix });
  mention.index = Math.min(mention.index, mention.matches.length - 1);
  box.replaceChildren();
  mention.matches.forEach((u, i) => {
    const row = el("div", "mention-option" + (i === mention.index ? " selected" : ""));
    row.dataset.name = u.name;
    row.append(el("b", "", u.real_name || u.name), el("span", "mention-handle", ` @${u.name}`));
    row.addEventListener("mousedown", (e) => {
      e.preventDefault(); // keep the focus in the box
      mention.index = i;
      pickMention();
    });
    box.appendChild(row);
  });
  const r = input.getBoundingClientRect();
  box.style.left = `${r.left}px`;
  box.style.bottom = `${window.innerHeight - r.top + 4}px`;
  box.style.width = `${Math.min(r.width, 320)}px`;
  box.hidden = false;
}

function pickMention() {
  const { input, start, matches, index } = mention;
  const name = matches[index].name;
  const caret = input.selectionStart;
  const inList = /[=,]/.test(input.value.charAt(start - 1)); // `approvers=@bob,@carol`: no space
  const insert = `@${name}${inList ? "" : " "}`;
  input.value = input.value.slice(0, start) + insert + input.value.slice(caret);
  input.selectionStart = input.selectionEnd = start + insert.length;
  $("#mention-list").hidden = true;
  mention.input = null;
  input.dispatchEvent(new Event("input"));
}

function mentionKeys(e) {
  const input = e.target;
  if (mention.input !== input || $("#mention-list").hidden) return;
  const typedInFull = mention.matches.some((u) => u.name.toLowerCase() === mention.prefix);
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    const n = mention.matches.length;
    mention.index = (mention.index + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
    updateMentions(input);
  } else if (e.key === "Tab" || (e.key === "Enter" && !e.shiftKey && !typedInFull)) {
    pickMention();
  } else if (e.key === "Escape") {
    $("#mention-list").hidden = true;
    mention.input = null;
  } else {
    if (e.key === "Enter") $("#mention-list").hidden = true;
    return;
  }
  e.preventDefault();
  e.stopImmediatePropagation();
}

export function wireComposer(form, input, threadTs) {
  input.addEventListener("keydown", mentionKeys);
  input.addEventListener("input", () => updateMentions(input));
  input.addEventListener("blur", () => ($("#mention-list").hidden = true));
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
