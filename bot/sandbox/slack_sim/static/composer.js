// The message boxes: text is sent as Slack's client sends it, `/command …` as a slash command.
import { $, act, channels, users, view } from "./shared.js";

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
export function toWire(text, command) {
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

export function showCommandHint(text) {
  const hint = $("#command-hint");
  const show = /^\/[a-z]*$/i.test(text) || /^\/align(\s|$)/i.test(text);
  hint.hidden = !show || text.includes("\n");
  hint.textContent = ALIGN_HINT;
}

export function wireComposer(form, input, threadTs) {
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
