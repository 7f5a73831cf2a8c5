"""Anonymous questions cannot be traced, the facilitator and the database included: not to their
author, nor to that person's named questions, other questions or votes.

Over a real server, Zed asks a named question and an anonymous one, upvotes two questions of other
people and answers a poll. Then every value the exchange holds or shows is read: every event of
the log, the state API as every role, every page (console, screen, scribe panel, each phone, the
record) and the questions export. Between Zed's acts the log shares no value but the few everyone
shares (the agenda item, "live"); each hash of an act is found once, in its own event, and on no
surface. The limit of three questions a minute, kept out of the log since, still holds.
"""

import secrets

import httpx

from tests.live import add_item, auth, command, cookie_for, create_room, events_of, join, ok, room_with

ZED, ZED_ORG = "Zed Quarrington", "Wombat Valley Trust"
# A value two of one person's acts may share besides the agenda item everyone asks about: the
# status of any question on the list.
ALWAYS_SHARED = {"live"}


def strings(value) -> set[str]:
    """Every string in a JSON value, recursively (dictionary keys are field names, not values)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*map(strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(strings, value))
    return set()


def act(base: str, code: str, token: str, **body) -> dict:
    """A command as a phone sends it, with a fresh command id; its reply."""
    response = command(base, code, token, id=secrets.token_urlsafe(12), **body)
    assert response.status_code == 200, response.text
    return response.json()


def event_at(events: list[dict], seq: int) -> dict:
    return next(event for event in events if event["seq"] == seq)


def held(event: dict) -> set[str]:
    """What one act left in the log: its values and its idempotency key."""
    return strings(event["data"]) | ({event["command_key"]} if event["command_key"] else set())


def surfaces(base: str, room: dict, people: dict[str, dict]) -> dict[str, str]:
    """Everything anyone can read of the exchange, by where it was read."""
    code, tokens = room["code"], room["tokens"]
    read: dict[str, str] = {}
    with httpx.Client(base_url=base, timeout=5) as client:
        for role in ("facilitator", "scribe", "screen"):
            read[f"state as {role}"] = client.get(f"/api/rooms/{code}/state", headers=auth(tokens[role])).text
        for surface, role in (("console", "facilitator"), ("screen", "screen"), ("scribe", "scribe")):
            cookie = {"Cookie": cookie_for(code, role, tokens[role])}
            read[f"{surface} page"] = client.get(f"/r/{code}/{surface}", headers=cookie).text
        facilitator = {"Cookie": cookie_for(code, "facilitator", tokens["facilitator"])}
        read["record as facilitator"] = client.get(f"/r/{code}/record", headers=facilitator).text
        read["questions export"] = client.get(f"/r/{code}/questions.csv", headers=facilitator).text
        for name, person in people.items():
            cookie = {"Cookie": cookie_for(code, "participant", person["token"])}
            read[f"state as {name}"] = client.get(f"/api/rooms/{code}/state", headers=auth(person["token"])).text
            read[f"{name}'s phone"] = client.get(f"/r/{code}", headers=cookie).text
            read[f"record as {name}"] = client.get(f"/r/{code}/record", headers=cookie).text
    assert all(text for text in read.values()), [where for where, text in read.items() if not text]
    return read


def test_no_value_links_an_anonymous_question_to_its_author_or_their_other_acts(server):
    room = create_room(server)
    code = room["code"]
    item_id = add_item(server, room, kind="discussion", title="Weekend discharges", minutes=20)
    ok(server, room, type="timer.start", item_id=item_id)
    zed = join(server, code, name=ZED, organisation=ZED_ORG)
    ben = join(server, code, name="Ben Okafor", organisation="Northfield")
    cai = join(server, code, name="Cai Moreno", organisation="Riverside")
    poll_id = ok(
        server, room, type="poll.create", kind="single", question="Which first?", options=["Pharmacy", "Transport"]
    )["reply"]["poll_id"]
    ok(server, room, type="poll.open", poll_id=poll_id)

    bens = act(server, code, ben["token"], type="question.ask", text="Who books the transport?")
    cais = act(server, code, cai["token"], type="question.ask", text="Is the lounge staffed?", named=True)
    named = act(server, code, zed["token"], type="question.ask", text="Who signs off at weekends?", named=True)
    hidden = act(server, code, zed["token"], type="question.ask", text="Why does pharmacy wait for the round?")
    votes = [
        act(server, code, zed["token"], type="question.upvote", question_id=other["reply"]["question_id"])
        for other in (bens, cais)
    ]
    act(server, code, ben["token"], type="question.upvote", question_id=hidden["reply"]["question_id"])
    answer = act(server, code, zed["token"], type="poll.answer", poll_id=poll_id, choice=1)

    events = events_of(server, room)
    named_event, hidden_event = event_at(events, named["seq"]), event_at(events, hidden["seq"])
    vote_events = [event_at(events, vote["seq"]) for vote in votes]
    answer_event = event_at(events, answer["seq"])
    assert (named_event["data"]["name"], "name" in hidden_event["data"]) == (ZED, False)

    # Zed's acts, as the log keeps them, share nothing but what every question shares.
    acts = {
        "named question": held(named_event),
        "anonymous question": held(hidden_event),
        "first upvote": held(vote_events[0]),
        "second upvote": held(vote_events[1]),
        "poll answer": held(answer_event),
    }
    person = {ZED, *ZED.split(), ZED_ORG, zed["participant_id"], zed["token"]}
    acts["named question"] |= person
    for first, one in acts.items():
        for second, other in acts.items():
            if first < second:
                assert one & other <= ALWAYS_SHARED | {item_id}, (first, second, one & other)
    assert {"live", item_id} <= acts["named question"] & acts["anonymous question"]  # the comparison bites

    # Each of Zed's hashes is in its own event and nowhere else: no other event, no surface.
    hashes = {
        "named author": named_event["data"]["author"],
        "anonymous author": hidden_event["data"]["author"],
        "first vote": vote_events[0]["data"]["voter"],
        "second vote": vote_events[1]["data"]["voter"],
        "poll answer": answer_event["data"]["voter"],
    }
    assert len(set(hashes.values())) == len(hashes)
    for what, value in hashes.items():
        holders = [event["seq"] for event in events if value in strings(event["data"])]
        assert len(holders) == 1, (what, holders)
        assert all(value != event["command_key"] for event in events), what
    # No surface shows any author's or voter's hash, anyone's, nor a command's key, nor Zed's token
    # (the roster shows her id, by design: it is in none of her acts above).
    every_hash = {
        value
        for event in events
        if event["type"] in ("question.asked", "question.upvoted", "poll.answered")
        for key, value in event["data"].items()
        if key in ("author", "voter")
    }
    assert len(every_hash) == 8
    keys = {event["command_key"] for event in events if event["command_key"]}
    read = surfaces(server, room, {"Zed": zed, "Ben": ben, "Cai": cai})
    for where, text in read.items():
        for value in every_hash | keys | {zed["token"]}:
            assert value not in text, (where, value)
    # The search looked where the questions are: the console shows both, one of them with its name.
    console = read["console page"]
    assert f"{ZED} · {ZED_ORG}" in console and "Why does pharmacy wait for the round?" in console


def test_three_questions_a_minute_still_hold_and_leave_no_count_in_the_log(server):
    room, (zed, ben) = room_with(server, people=[(ZED, ZED_ORG), ("Ben Okafor", "Northfield")])
    code = room["code"]
    asked = [
        act(server, code, zed["token"], type="question.ask", text=f"Question {n}?", named=n == 0) for n in range(3)
    ]
    refused = command(server, code, zed["token"], type="question.ask", text="A fourth?")
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 55 <= seconds <= 60
    assert refused.json() == {
        "ok": False,
        "error": f"You can ask 3 questions a minute; please wait {seconds} second{'' if seconds == 1 else 's'}.",
    }
    # Another person is not held back by Zed's limit.
    act(server, code, ben["token"], type="question.ask", text="Mine?")

    events = events_of(server, room)
    kept = [held(event_at(events, result["seq"])) for result in asked]
    for index, one in enumerate(kept):
        for other in kept[index + 1 :]:
            assert one & other <= ALWAYS_SHARED, one & other
    assert "A fourth?" not in {text for event in events for text in strings(event["data"])}
