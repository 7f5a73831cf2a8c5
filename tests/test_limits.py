import httpx


def test_an_oversized_command_body_is_refused_with_a_readable_error(server):
    room = httpx.post(f"{server}/api/rooms", json={"title": "T", "confidentiality": "c"}).json()
    response = httpx.post(
        f"{server}/api/rooms/{room['code']}/commands",
        content=b'{"type": "room.lock", "pad": "' + b"x" * 200_000 + b'"}',
        headers={"Authorization": f"Bearer {room['tokens']['facilitator']}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    state = httpx.get(
        f"{server}/api/rooms/{room['code']}/state", headers={"Authorization": f"Bearer {room['tokens']['facilitator']}"}
    ).json()
    assert state["locked"] is False


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(server):
    def chunks():
        for _ in range(100):
            yield b"x" * 4096

    response = httpx.post(f"{server}/api/rooms", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
