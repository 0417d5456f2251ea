"""`/align export` of a long history over real HTTP: the simulator's files_upload_v2 methods
(files.getUploadURLExternal, the upload URL, files.completeUploadExternal) carry the whole JSON."""

from __future__ import annotations

import json

from bot.sandbox.slack_sim import DeliveryOptions
from storage import Store
from tests import local_http
from tests.e2e.helpers import CHANNEL, blocks_text, template

VERSIONS = 40


def _template_with_a_long_history(sim, store: Store) -> int:
    r = sim.slash_command("alice", CHANNEL, "/align", "new digest Digest: {{text}}")
    assert r.status == 200
    info = sim.wait_for(lambda: template(store, "digest"))
    for n in range(2, VERSIONS + 1):
        rule = f"Rule {n}: keep the dates & owners <exactly> as written. " * 6
        store.add_version(info.id, f"Digest: {{{{text}}}}\n{rule}", author="U0BOB", note=f"v{n}")
    return info.id


def test_a_long_export_arrives_whole_as_a_json_file_in_the_channel(sim, bot_server, sqlite_engine):
    app = bot_server()
    store = Store(sqlite_engine)
    template_id = _template_with_a_long_history(sim, store)
    expected = store.export_template(template_id)
    assert len(json.dumps(expected)) > 12_000  # more than a message can show

    # Slack retries a slow command delivery: still one upload
    r = sim.slash_command(
        "alice", CHANNEL, "/align", "export digest", options=DeliveryOptions(retries=1)
    )
    assert r.status == 200 and [d.retry_num for d in r.deliveries] == [None, 1]
    notice = sim.wait_for(
        lambda: [t for t in map(blocks_text, sim.ephemerals("alice")) if "digest.json" in t]
    )
    assert "too long to show here whole" in notice[0]

    sim.wait_for(lambda: [m for m in sim.messages(CHANNEL) if m.get("files")])
    # The upload's row is marked done after its last call: once nothing is left, all the calls
    # the app made are in the simulator's log and no second upload can follow.
    sim.wait_for(lambda: store.inbox_pending_count() == 0)
    assert app.bot.worker.wait_idle()
    [message] = [m for m in sim.messages(CHANNEL) if m.get("files")]
    [file] = message["files"]
    assert (file["name"], file["title"]) == ("digest.json", "Export of digest")
    assert "<@U0ALICE>" in message["text"]
    uploads = [c["method"] for c in sim.api_calls if c["method"].startswith("files.")]
    assert uploads == ["files.getUploadURLExternal", "files.completeUploadExternal"]

    served = local_http.get(file["url_private"], timeout=10)
    assert served.status_code == 200 and file["size"] == len(served.content)
    exported = json.loads(served.text)  # the whole file, valid JSON: nothing truncated
    assert exported == expected
    assert len(exported["versions"]) == VERSIONS
    assert exported["versions"][-1]["text"].endswith("<exactly> as written. ")
    assert not any("only the beginning is shown" in blocks_text(m) for m in sim.messages(CHANNEL))
