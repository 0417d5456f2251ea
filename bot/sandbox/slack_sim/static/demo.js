// The demo application's toggle (one small, separate piece of the page): a switch in the
// sidebar and a line saying what the demo is and what it did last. State from GET /sim/demo.
const box = document.createElement("div");
box.id = "demo-app";
box.className = "demo-app";
box.innerHTML = `
  <label class="demo-toggle"><input id="demo-toggle" type="checkbox" aria-label="Demo app on">
    <b>Demo app</b> <span id="demo-status">off</span></label>
  <p id="demo-note" class="hint"></p>`;

function show(state) {
  const toggle = box.querySelector("#demo-toggle");
  toggle.disabled = !state.available;
  toggle.checked = Boolean(state.enabled);
  box.querySelector("#demo-note").textContent = state.note || "";
  let status = state.available ? state.status : "not running";
  if (state.last) status += ` · ${state.outputs} output(s), last from v${state.last.version}`;
  box.querySelector("#demo-status").textContent = status;
}

async function refresh() {
  try {
    const resp = await fetch("/sim/demo");
    show(await resp.json());
  } catch (e) {
    /* the sandbox is restarting; the next poll will tell */
  }
}

box.querySelector("#demo-toggle").addEventListener("change", async (e) => {
  const resp = await fetch("/sim/demo", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ enabled: e.target.checked }),
  });
  show(await resp.json());
});

function mount() {
  const foot = document.querySelector(".sidebar-foot");
  if (foot) foot.parentNode.insertBefore(box, foot);
  refresh();
  setInterval(refresh, 2000);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
