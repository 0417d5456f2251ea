// Slack mrkdwn -> DOM, safely: every piece of text is inserted with textContent, never as HTML.
// Formatting (*bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, <links|labels>,
// <@U…> mentions, :emoji:) is recognised on the raw text and built as elements around text
// nodes, so a model output containing <script> or HTML shows as text.

import { SHORTCODES } from "./emoji-data.js";

// Slack's standard shortcodes (generated from emoji-data, the set Slack uses). A skin tone
// (`+1::skin-tone-2`) is drawn with its modifier.
const SKIN_TONES = { 2: "\u{1F3FB}", 3: "\u{1F3FC}", 4: "\u{1F3FD}", 5: "\u{1F3FE}", 6: "\u{1F3FF}" };

export function emojiChars(name) {
  const [base, tone] = String(name).split("::");
  const chars = Object.hasOwn(SHORTCODES, base) ? SHORTCODES[base] : null;
  const t = tone?.match(/^skin-tone-([2-6])$/);
  return chars && t ? chars.replace(/\uFE0F$/, "") + SKIN_TONES[t[1]] : chars;
}

export function emoji(name) {
  return emojiChars(name) || `:${name}:`;
}

// Slack escapes exactly these three in message text; the rest is literal.
export function unescapeSlack(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const SAFE_URL = /^(https?:\/\/|mailto:|\/)/i;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// <...> control sequences: links, mentions, channel references, special mentions.
function control(inner, ctx) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) {
    const name = ctx.userName(target.slice(1));
    return el("span", "mention", "@" + (label ? unescapeSlack(label) : name));
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = label ? unescapeSlack(label) : ctx.channelName(id);
    const span = el("span", "mention channel-link", "#" + name);
    if (ctx.openChannel) span.addEventListener("click", () => ctx.openChannel(id));
    return span;
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    return el("span", "mention special", "@" + (label ? unescapeSlack(label) : word));
  }
  const url = unescapeSlack(target);
  if (SAFE_URL.test(url)) {
    const a = el("a", "", label ? unescapeSlack(label) : url);
    a.href = url;
    if (a.origin !== location.origin) {
      a.target = "_blank"; // permalinks into the sandbox stay in this tab
      a.rel = "noopener noreferrer";
    }
    return a;
  }
  return document.createTextNode(unescapeSlack(label || target));
}

// Inline formatting of one line (no code fences inside).
const INLINE = /`([^`\n]+)`|<([^<>\n]+)>|\*([^*\n]+)\*|(^|[^\w])_([^_\n]+)_(?!\w)|~([^~\n]+)~|:([a-z0-9_+\-']+(?:::skin-tone-[2-6])?):/g;

export function inline(text, ctx, parent) {
  let last = 0;
  const re = new RegExp(INLINE.source, "g"); // one per call: calls nest for *bold _italic_*
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let start = m.index;
    if (m[5] !== undefined) start += m[4].length; // keep the char before _italic_
    if (start > last) parent.appendChild(document.createTextNode(unescapeSlack(text.slice(last, start))));
    if (m[1] !== undefined) parent.appendChild(el("code", "", unescapeSlack(m[1])));
    else if (m[2] !== undefined) parent.appendChild(control(m[2], ctx));
    else if (m[3] !== undefined) inline(m[3], ctx, parent.appendChild(el("b")));
    else if (m[5] !== undefined) inline(m[5], ctx, parent.appendChild(el("i")));
    else if (m[6] !== undefined) inline(m[6], ctx, parent.appendChild(el("s")));
    else if (m[7] !== undefined) {
      const known = emojiChars(m[7]);
      parent.appendChild(known ? el("span", "emoji", known) : document.createTextNode(m[0]));
    }
    last = re.lastIndex;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(unescapeSlack(text.slice(last))));
  return parent;
}

// A whole mrkdwn text: ``` fences become <pre>, "> " lines become quotes, "• "/"- " lines stay.
export function mrkdwn(text, ctx) {
  const root = el("div", "mrkdwn");
  const parts = String(text ?? "").split("```");
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      root.appendChild(el("pre", "code-block", unescapeSlack(part.replace(/^\n/, ""))));
      return;
    }
    const lines = part.split("\n");
    // Drop the empty line a fence leaves behind so blocks don't get extra gaps.
    if (i > 0 && lines[0] === "") lines.shift();
    if (i < parts.length - 1 && lines[lines.length - 1] === "") lines.pop();
    let quote = null;
    lines.forEach((line) => {
      const q = line.match(/^(&gt;|>)\s?(.*)$/);
      if (q) {
        if (!quote) quote = root.appendChild(el("blockquote"));
        inline(q[2], ctx, quote.appendChild(el("div", "line")));
        return;
      }
      quote = null;
      const div = el("div", "line");
      if (line === "") div.appendChild(document.createElement("br"));
      else inline(line, ctx, div);
      root.appendChild(div);
    });
  });
  return root;
}

// plain_text objects: emoji codes are shown, nothing else is interpreted.
export function plain(text) {
  const span = el("span", "plain");
  const re = /:([a-z0-9_+\-']+(?:::skin-tone-[2-6])?):/g;
  let last = 0;
  const s = String(text ?? "");
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const known = emojiChars(m[1]);
    if (!known) continue;
    span.appendChild(document.createTextNode(s.slice(last, m.index)));
    span.appendChild(el("span", "emoji", known));
    last = re.lastIndex;
  }
  span.appendChild(document.createTextNode(s.slice(last)));
  return span;
}

export function textObject(obj, ctx) {
  if (!obj) return el("span");
  return obj.type === "mrkdwn" ? mrkdwn(obj.text, ctx) : plain(obj.text);
}
