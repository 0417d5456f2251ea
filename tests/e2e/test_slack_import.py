"""`/align import` over real HTTP: a form with the export attached (file_input), the file read
through the Web API as Slack serves it, and a name the workspace already has answered with a
second form: a new name, or the file's text as the next version on top."""

from __future__ import annotations

from bot.services import Actor
from bot.slack.views import ids
from tests.e2e.helpers import CHANNEL, TEAM, template


def _open_import_form(sim, user: str = "alice", text: str = "import"):
    r = sim.slash_command(user, CHANNEL, "/align", text)
    assert r.status == 200
    [form] = [v for v in sim.open_views(user) if v["callback_id"] == ids.IMPORT_MODAL]
    return form


def test_import_from_an_attached_file_asks_when_the_name_is_taken(sim, bot_server):
    app = bot_server()
    store = app.bot.store
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    info = sim.wait_for(lambda: template(store, "summary"))
    store.add_version(info.id, "Summarize briefly: {{text}}", author="U0BOB", note="v2")
    exported = app.bot.services.transfer.export_text(Actor(TEAM, "U0ALICE"), "summary")
    upload = sim.upload_file("alice", "summary.json", exported)

    # Under a new name: a new template with the whole history, announced in the channel.
    form = _open_import_form(sim)
    r = sim.submit_view("alice", form["id"], {ids.FILE_BLOCK: [upload], ids.NAME_BLOCK: "digest"})
    assert r.status == 200 and not r.view_errors
    digest = template(store, "digest")
    assert digest.active_version.text == "Summarize briefly: {{text}}"
    assert [v.number for v in store.list_versions(digest.id)] == [1, 2]
    sim.wait_for(lambda: any("Imported `summary.json`" in m["text"] for m in sim.messages(CHANNEL)))
    assert "files.info" in [c["method"] for c in sim.api_calls]

    # Under the file's own name, which is taken: the next form asks; nothing changed yet.
    form = _open_import_form(sim)
    r = sim.submit_view("alice", form["id"], {ids.FILE_BLOCK: [upload]})
    assert r.status == 200 and not r.view_errors
    [asked] = [v for v in sim.open_views("alice") if v["callback_id"] == ids.IMPORT_NAME_MODAL]
    assert "already has a template named *summary*" in str(asked["blocks"])
    assert len(store.list_versions(info.id)) == 2

    # "A new name" without one is refused next to the field; a taken one asks again.
    r = sim.submit_view("alice", asked["id"], {ids.IMPORT_AS_BLOCK: ids.IMPORT_RENAME})
    assert "new name" in r.view_errors[ids.NAME_BLOCK]
    r = sim.submit_view(
        "alice", asked["id"], {ids.IMPORT_AS_BLOCK: ids.IMPORT_RENAME, ids.NAME_BLOCK: "digest"}
    )
    [again] = [v for v in sim.open_views("alice") if v["callback_id"] == ids.IMPORT_NAME_MODAL]
    assert "named *digest*" in str(again["blocks"])

    # On top: the file's active text becomes summary's next version; its history stays.
    r = sim.submit_view("alice", again["id"], {ids.IMPORT_AS_BLOCK: ids.IMPORT_RENAME,
                                               ids.NAME_BLOCK: "brief"})  # fmt: skip
    assert not r.view_errors and template(store, "brief") is not None
    form = _open_import_form(sim, text="import summary")
    r = sim.submit_view("alice", form["id"], {ids.FILE_BLOCK: [upload]})
    [asked] = [v for v in sim.open_views("alice") if v["callback_id"] == ids.IMPORT_NAME_MODAL]
    r = sim.submit_view("alice", asked["id"], {ids.IMPORT_AS_BLOCK: ids.IMPORT_ON_TOP})
    assert r.status == 200 and not r.view_errors
    versions = store.list_versions(info.id)
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[-1].source.value == "import"
    sim.wait_for(lambda: any("as its next version" in m["text"] for m in sim.messages(CHANNEL)))


def test_a_file_that_is_not_an_export_is_refused_next_to_the_field(sim, bot_server):
    app = bot_server()
    store = app.bot.store
    for name, content, words in (
        ("notes.json", "this is not json", "is not JSON"),
        ("other.json", '{"hello": 1}', "not an alignbot template export"),
    ):
        form = _open_import_form(sim)
        upload = sim.upload_file("alice", name, content)
        r = sim.submit_view("alice", form["id"], {ids.FILE_BLOCK: [upload]})
        assert words in r.view_errors[ids.FILE_BLOCK]
        sim.close_view("alice", form["id"])
    assert store.list_templates(TEAM) == []
    r = sim.slash_command("alice", CHANNEL, "/align", "import two words")
    assert "Unexpected" in str(sim.ephemerals("alice")[-1])
