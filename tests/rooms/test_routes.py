"""Route order does not matter: the pages name every path they answer, so a feature's route under
/r/{code}/ is answered by the feature whether its router is included before or after the pages."""

import asyncio

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import PlainTextResponse

from facilitator.app import create_app
from facilitator.features import RULES
from facilitator.rooms import pages


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path)


def feature_router() -> APIRouter:
    router = APIRouter()

    @router.get("/r/{code}/handouts")
    async def handouts(code: str) -> PlainTextResponse:
        return PlainTextResponse(f"the handouts of {code}")

    return router


@pytest.mark.parametrize("feature_first", [True, False])
def test_a_feature_route_answers_whether_included_before_or_after_the_pages(feature_first):
    app = FastAPI()
    routers = [feature_router(), pages.router] if feature_first else [pages.router, feature_router()]
    for router in routers:
        app.include_router(router)
    answer = asyncio.run(get(app, "/r/ABCDEF/handouts"))
    assert answer.status_code == 200 and answer.text == "the handouts of ABCDEF"


def paths_of(router) -> set[str]:
    """Every path a router answers, through the routers it includes (recent FastAPI keeps them nested)."""
    found = set()
    for route in router.routes:
        included = getattr(route, "original_router", None)
        found |= paths_of(included) if included is not None else {route.path}
    return found


def test_the_features_routes_are_mounted_from_the_feature_list(settings):
    paths = paths_of(create_app(settings))
    assert {path for router in RULES.routers for path in paths_of(router)} <= paths
    assert {"/r/{code}/questions.csv", "/r/{code}/record", "/r/{code}/agenda"} <= paths
    assert {"/r/{code}/console", "/r/{code}/scribe", "/r/{code}/screen"} <= paths


@pytest.mark.parametrize("path", ["/r/ABCDEF/nothing", "/r/ABCDEF/agenda", "/r/ABCDEF/ws"])
def test_a_room_page_that_does_not_exist_is_a_page(server, path):
    answer = httpx.get(server + path)
    assert answer.status_code == 404 and "There is no such page." in answer.text
    assert "text/html" in answer.headers["content-type"]


def test_other_missing_paths_keep_their_json_answer(server):
    answer = httpx.get(server + "/nowhere")
    assert answer.status_code == 404 and answer.json() == {"detail": "Not Found"}
