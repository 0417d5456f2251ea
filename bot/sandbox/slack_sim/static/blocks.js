// Block Kit -> DOM (messages, App Home, modals). Text goes in with textContent only.
import { mrkdwn, plain, textObject, inline } from "./mrkdwn.js";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(b, ctx) {
  const btn = el("button", "bk-button" + (b.style ? " " + b.style : ""));
  btn.appendChild(plain(b.text?.text ?? ""));
  btn.type = "button";
  btn.dataset.actionId = b.action_id || "";
  if (b.url && /^https?:\/\//i.test(b.url)) {
    btn.addEventListener("click", () => window.open(b.url, "_blank", "noopener"));
  } else {
    btn.addEventListener("click", async () => {
      // Slack asks first when the button carries a confirmation dialog.
      if (b.confirm && !(await ctx.confirm(b.confirm))) return;
      ctx.onButton(b.action_id, btn);
    });
  }
  return btn;
}

function element(e, ctx) {
  switch (e.type) {
    case "button":
      return button(e, ctx);
    case "image":
      return el("span", "bk-image", `[image: ${e.alt_text || ""}]`);
    case "mrkdwn":
    case "plain_text":
      return textObject(e, ctx);
    case "overflow":
    case "static_select":
      return el("span", "bk-unsupported", `[${e.type}]`);
    default:
      return el("span", "bk-unsupported", `[${e.type}]`);
  }
}

// rich_text: sections, lists, preformatted and quotes made of styled text runs.
function richRun(r, ctx) {
  let node;
  switch (r.type) {
    case "text": {
      node = document.createTextNode(r.text ?? "");
      break;
    }
    case "link": {
      const url = r.url || "";
      node = el("a", "", r.text || url);
      if (/^https?:\/\//i.test(url)) {
        node.href = url;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
      }
      break;
    }
    case "emoji":
      return inline(`:${r.name}:`, ctx, el("span"));
    case "user":
      return el("span", "mention", "@" + ctx.userName(r.user_id));
    case "channel":
      return el("span", "mention", "#" + ctx.channelName(r.channel_id));
    case "broadcast":
      return el("span", "mention special", "@" + r.range);
    default:
      return el("span", "", r.text ?? "");
  }
  const st = r.style || {};
  for (const [flag, tag] of [["code", "code"], ["bold", "b"], ["italic", "i"], ["strike", "s"]]) {
    if (st[flag]) {
      const wrap = el(tag);
      wrap.appendChild(node);
      node = wrap;
    }
  }
  return node;
}

function richText(block, ctx) {
  const root = el("div", "bk-rich");
  for (const part of block.elements || []) {
    const runs = (p) => (p.elements || []).map((r) => richRun(r, ctx));
    if (part.type === "rich_text_preformatted") {
      const pre = el("pre", "code-block");
      runs(part).forEach((n) => pre.appendChild(n));
      root.appendChild(pre);
    } else if (part.type === "rich_text_quote") {
      const q = el("blockquote");
      runs(part).forEach((n) => q.appendChild(n));
      root.appendChild(q);
    } else if (part.type === "rich_text_list") {
      const list = el(part.style === "ordered" ? "ol" : "ul");
      for (const item of part.elements || []) {
        const li = el("li");
        runs(item).forEach((n) => li.appendChild(n));
        list.appendChild(li);
      }
      root.appendChild(list);
    } else {
      const div = el("div", "line");
      runs(part).forEach((n) => div.appendChild(n));
      root.appendChild(div);
    }
  }
  return root;
}

// Modal inputs. Values are read back by collectValues(); keyed by block_id.
function input(block, ctx) {
  const wrap = el("div", "bk-input");
  wrap.dataset.blockId = block.block_id || "";
  const label = el("label", "bk-label");
  label.appendChild(plain(block.label?.text ?? ""));
  if (block.optional) label.appendChild(el("span", "optional", " (optional)"));
  wrap.appendChild(label);
  const e = block.element || {};
  let field;
  if (e.type === "plain_text_input" || e.type === "number_input" || e.type === "email_text_input" || e.type === "url_text_input") {
    field = el(e.multiline ? "textarea" : "input");
    if (!e.multiline) field.type = e.type === "number_input" ? "number" : "text";
    field.value = e.initial_value ?? "";
    if (e.placeholder) field.placeholder = e.placeholder.text;
    if (e.max_length) field.maxLength = e.max_length;
  } else if (e.type === "static_select" || e.type === "radio_buttons") {
    field = el("select");
    if (!e.initial_option) field.appendChild(el("option", "", "Choose…")).value = "";
    for (const o of e.options || []) {
      const opt = el("option", "", o.text?.text ?? o.value);
      opt.value = o.value;
      if (e.initial_option?.value === o.value) opt.selected = true;
      field.appendChild(opt);
    }
  } else if (e.type === "conversations_select" || e.type === "channels_select") {
    field = el("select");
    for (const c of ctx.channels()) {
      const opt = el("option", "", "#" + c.name);
      opt.value = c.id;
      const initial = e.initial_conversation || e.initial_channel;
      if (initial ? initial === c.id : c.id === ctx.currentChannel()) opt.selected = true;
      field.appendChild(opt);
    }
  } else if (e.type === "checkboxes") {
    field = el("div", "bk-checkboxes");
    const initial = new Set((e.initial_options || []).map((o) => o.value));
    for (const o of e.options || []) {
      const row = el("label", "bk-check");
      const box = el("input");
      box.type = "checkbox";
      box.value = o.value;
      box.checked = initial.has(o.value);
      row.appendChild(box);
      row.appendChild(plain(o.text?.text ?? o.value));
      field.appendChild(row);
    }
  } else if (e.type === "file_input") {
    field = el("input");
    field.type = "file";
    if (e.filetypes?.length) field.accept = e.filetypes.map((t) => "." + t).join(",");
    field.addEventListener("change", async () => {
      delete field.dataset.file;
      const picked = field.files?.[0];
      if (!picked) return;
      const data = await ctx.uploadFile(picked.name, await picked.text());
      if (data.ok) field.dataset.file = JSON.stringify(data.file);
    });
  } else {
    field = el("span", "bk-unsupported", `[${e.type}]`);
  }
  field.classList.add("bk-field");
  field.dataset.kind = e.type || "";
  field.name = block.block_id || "";
  wrap.appendChild(field);
  if (block.hint) wrap.appendChild(el("div", "bk-hint", block.hint.text));
  wrap.appendChild(el("div", "bk-error"));
  return wrap;
}

export function collectValues(container) {
  const values = {};
  for (const wrap of container.querySelectorAll(".bk-input")) {
    const field = wrap.querySelector(".bk-field");
    const id = wrap.dataset.blockId;
    if (!field || !id) continue;
    if (field.dataset.kind === "file_input") {
      values[id] = field.dataset.file ? [JSON.parse(field.dataset.file)] : [];
    } else if (field.dataset.kind === "checkboxes") {
      values[id] = [...field.querySelectorAll("input:checked")].map((b) => b.value);
    } else if ("value" in field) {
      values[id] = field.value;
    }
  }
  return values;
}

export function renderBlock(block, ctx) {
  const node = (() => {
    switch (block.type) {
      case "section": {
        const s = el("div", "bk-section");
        const body = el("div", "bk-section-body");
        if (block.text) body.appendChild(textObject(block.text, ctx));
        if (block.fields) {
          const grid = el("div", "bk-fields");
          block.fields.forEach((f) => grid.appendChild(textObject(f, ctx)));
          body.appendChild(grid);
        }
        s.appendChild(body);
        if (block.accessory) s.appendChild(el("div", "bk-accessory")).appendChild(element(block.accessory, ctx));
        return s;
      }
      case "header": {
        const h = el("div", "bk-header");
        h.appendChild(plain(block.text?.text ?? ""));
        return h;
      }
      case "divider":
        return el("hr", "bk-divider");
      case "context": {
        const c = el("div", "bk-context");
        (block.elements || []).forEach((e) => c.appendChild(element(e, ctx)));
        return c;
      }
      case "actions": {
        const a = el("div", "bk-actions");
        (block.elements || []).forEach((e) => a.appendChild(element(e, ctx)));
        return a;
      }
      case "rich_text":
        return richText(block, ctx);
      case "input":
        return input(block, ctx);
      case "image":
        return el("div", "bk-image", `[image: ${block.alt_text || ""}]`);
      case "markdown":
        return mrkdwn(block.text, ctx);
      default:
        return el("div", "bk-unsupported", `[unsupported block: ${block.type}]`);
    }
  })();
  node.classList.add("bk");
  if (block.block_id) node.dataset.blockId = block.block_id;
  return node;
}

export function renderBlocks(blocks, ctx) {
  const root = el("div", "blocks");
  for (const b of blocks || []) root.appendChild(renderBlock(b, ctx));
  return root;
}

export function renderMessageBody(msg, ctx) {
  if (msg.blocks && msg.blocks.length) return renderBlocks(msg.blocks, ctx);
  return mrkdwn(msg.text || "", ctx);
}
