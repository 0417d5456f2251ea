// Modals opened by views.open/push (inputs, submit, errors) and buttons' confirmation dialogs.
import { textObject } from "./mrkdwn.js";
import { renderBlocks, collectValues } from "./blocks.js";
import { $, act, ctx, el, view } from "./shared.js";

// A button's `confirm` object, shown as Slack shows it; resolves true on confirm.
export function confirmDialog(c) {
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
export function renderModal() {
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
