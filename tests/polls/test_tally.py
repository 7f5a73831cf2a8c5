"""Pure tests of poll results: one tally per kind from known answers, and the matrix plot.

Polls are built either directly (to feed a tally exact stored values) or by
answering through the rules (to check that what a phone sends is tallied as meant).
"""

import pytest

from facilitator.polls import tally, views
from facilitator.polls.model import Answer, Poll
from facilitator.polls.tally import Bar
from facilitator.rooms.model import Actor, Role
from tests.polls.test_rules import PEOPLE, answer, answering, opened, poll, scene
from tests.pure import SEC, T0, refusal, room_with

OPTIONS = ["Discharge lounge", "Pharmacy first", "Ward rounds"]
FOUR = ["Discharge lounge", "Pharmacy first", "Ward rounds", "Transport"]


def answered(kind: str, *values, options: list[str] | None = None, scale_max: int = 5) -> Poll:
    """A poll holding `values` as the answers of distinct voters, given a second apart in that order."""
    the_poll = Poll(id="p1", kind=kind, question="Q?", options=list(options or []), scale_max=scale_max, status="open")
    for n, value in enumerate(values):
        the_poll.answers[f"voter-{n}"] = Answer(value, T0 + n * SEC)
    return the_poll


# -- single and multiple choice ---------------------------------------------


def test_single_choice_counts_each_option_with_a_percentage_of_respondents():
    the_poll = answered("single", [0], [0], [1], [0], options=OPTIONS)
    assert tally.choice_bars(the_poll) == [
        Bar("Discharge lounge", 3, 75),
        Bar("Pharmacy first", 1, 25),
        Bar("Ward rounds", 0, 0),
    ]
    assert tally.results(the_poll) == {"bars": tally.choice_bars(the_poll)}


def test_choice_percentages_are_rounded_to_whole_numbers():
    the_poll = answered("single", [0], [0], [1], options=OPTIONS)
    assert [(bar.count, bar.percent) for bar in tally.choice_bars(the_poll)] == [(2, 67), (1, 33), (0, 0)]


def test_a_choice_poll_with_no_answers_shows_every_option_at_zero():
    the_poll = answered("multiple", options=OPTIONS)
    assert tally.choice_bars(the_poll) == [Bar(option, 0, 0) for option in OPTIONS]


def test_multiple_choice_percentages_are_of_the_people_who_answered_not_of_the_picks():
    the_poll = answered("multiple", [0, 1], [0], [0, 1, 2], [1], options=OPTIONS)
    assert tally.choice_bars(the_poll) == [
        Bar("Discharge lounge", 3, 75),
        Bar("Pharmacy first", 3, 75),
        Bar("Ward rounds", 1, 25),
    ]


def test_multiple_choice_answered_from_phones_folds_duplicates_and_refuses_extra_picks():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    poll_id = opened(state, "multiple", max_choices=2)
    answer(state, ana, poll_id, choices=["0", "0", "1"])
    answer(state, ben, poll_id, choices="2")
    assert refusal(state, *answering(cat, poll_id, choices=[0, 1, 2])).message == "Pick at most 2 options."
    answer(state, cat, poll_id, choices=[2, 2, 1])
    assert tally.choice_bars(poll(state, poll_id)) == [
        Bar("Discharge lounge", 1, 33),
        Bar("Pharmacy first", 2, 67),
        Bar("Ward rounds", 2, 67),
    ]


# -- rating scales -----------------------------------------------------------


def test_a_five_point_scale_gives_the_average_to_one_decimal_and_every_value_counted():
    the_poll = answered("scale", 5, 4, 4, 2)
    assert tally.scale(the_poll) == {
        "average": 3.8,
        "bars": [Bar("1", 0, 0), Bar("2", 1, 25), Bar("3", 0, 0), Bar("4", 2, 50), Bar("5", 1, 25)],
    }


def test_a_ten_point_scale_lists_all_ten_values_including_those_nobody_chose():
    the_poll = answered("scale", 10, 7, 8, scale_max=10)
    shown = tally.scale(the_poll)
    assert shown["average"] == 8.3
    assert shown["bars"] == [Bar(str(v), 0, 0) for v in range(1, 7)] + [
        Bar("7", 1, 33),
        Bar("8", 1, 33),
        Bar("9", 0, 0),
        Bar("10", 1, 33),
    ]


@pytest.mark.parametrize(("values", "average"), [((1, 2), 1.5), ((3, 3, 4), 3.3), ((4, 5, 5), 4.7), ((2,), 2.0)])
def test_the_average_rating_is_rounded_to_one_decimal(values, average):
    assert tally.scale(answered("scale", *values))["average"] == average


@pytest.mark.parametrize("scale_max", [5, 10])
def test_a_scale_with_no_answers_has_no_average_and_zero_counts(scale_max):
    assert tally.scale(answered("scale", scale_max=scale_max)) == {
        "average": None,
        "bars": [Bar(str(v), 0, 0) for v in range(1, scale_max + 1)],
    }


def test_ratings_from_phones_are_tallied():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    poll_id = opened(state, "scale", scale_max="10")
    answer(state, ana, poll_id, value="9")
    answer(state, ben, poll_id, value=6)
    answer(state, cat, poll_id, value=2)
    answer(state, cat, poll_id, value=3, now=T0 + 5 * SEC)  # changed her mind
    shown = tally.scale(poll(state, poll_id))
    assert shown["average"] == 6.0
    assert [bar.count for bar in shown["bars"]] == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0]


# -- word clouds -------------------------------------------------------------


def test_words_are_folded_to_lower_case_trimmed_and_counted_across_answers():
    the_poll = answered(
        "words", [" Lean ", "LEAN  Thinking"], ["lean   thinking", "Flow"], ["flow", "lean"], ["LEAN", "pull", "  "]
    )
    assert tally.words(the_poll) == [
        {"word": "lean", "count": 3, "size": 5},
        {"word": "flow", "count": 2, "size": 3},
        {"word": "lean thinking", "count": 2, "size": 3},
        {"word": "pull", "count": 1, "size": 1},
    ]


def test_word_sizes_run_from_one_to_five_by_count():
    the_poll = answered("words", ["e", "d", "c", "b", "a"], ["d", "c", "b", "a"], ["c", "b", "a"], ["b", "a"], ["a"])
    assert [(w["word"], w["count"], w["size"]) for w in tally.words(the_poll)] == [
        ("a", 5, 5),
        ("b", 4, 4),
        ("c", 3, 3),
        ("d", 2, 2),
        ("e", 1, 1),
    ]
    spread = answered("words", *[["often"]] * 9, *[["middle"]] * 5, ["once"])
    assert [(w["word"], w["count"], w["size"]) for w in tally.words(spread)] == [
        ("often", 9, 5),
        ("middle", 5, 3),
        ("once", 1, 1),
    ]


def test_a_word_typed_twice_in_one_answer_counts_once():
    the_poll = answered("words", ["lean", "Lean ", "LEAN"], ["lean"])
    assert tally.words(the_poll) == [{"word": "lean", "count": 2, "size": 5}]


def test_words_said_once_each_are_all_the_smallest_size_and_the_cloud_is_alphabetical():
    the_poll = answered("words", ["Trust"], ["flow"], ["Action"])
    assert tally.words(the_poll) == [{"word": w, "count": 1, "size": 1} for w in ("action", "flow", "trust")]
    the_poll = answered("words", ["zeal"], ["zeal"], ["Action"])
    shown = views.results_view(the_poll)
    assert [w["word"] for w in shown["words"]] == ["zeal", "action"]  # biggest first
    assert [w["word"] for w in shown["cloud"]] == ["action", "zeal"]  # new words never reshuffle the cloud


def test_the_word_list_is_cut_to_the_most_frequent():
    the_poll = answered("words", ["b", "c"], ["c"], ["a"])
    assert [w["word"] for w in tally.words(the_poll, limit=2)] == ["c", "a"]
    assert tally.words(answered("words")) == []


def test_words_typed_on_phones_are_folded_in_the_cloud():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "words")
    answer(state, ana, poll_id, words=["  Patient   flow ", "Lean"])
    answer(state, ben, poll_id, words="patient flow")
    assert tally.words(poll(state, poll_id)) == [
        {"word": "patient flow", "count": 2, "size": 5},
        {"word": "lean", "count": 1, "size": 1},
    ]


# -- open text ---------------------------------------------------------------


def test_open_answers_are_listed_newest_first():
    the_poll = answered("text", "first", "second", "third")
    the_poll.answers["voter-1"].at = T0 + 9 * SEC
    assert tally.texts(the_poll) == ["second", "third", "first"]
    assert tally.results(the_poll) == {"texts": ["second", "third", "first"]}


def test_a_changed_open_answer_moves_to_the_top():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "text")
    answer(state, ana, poll_id, text="Ask pharmacy the day before.", now=T0 + SEC)
    answer(state, ben, poll_id, text="Book transport at admission.", now=T0 + 2 * SEC)
    answer(state, ana, poll_id, text="Ask pharmacy two days before.", now=T0 + 3 * SEC)
    assert tally.texts(poll(state, poll_id)) == ["Ask pharmacy two days before.", "Book transport at admission."]


# -- ranking -----------------------------------------------------------------


def test_ranking_by_borda_score_worked_example():
    # Four options: a first place earns 3 points, a second 2, a third 1, a last 0. Five voters.
    the_poll = answered("ranking", [0, 1, 2, 3], [1, 0, 3, 2], [2, 0, 1, 3], [1, 2, 0, 3], [3, 2, 1, 0], options=FOUR)
    # Discharge lounge 3+2+2+1+0 = 8, Pharmacy first 2+3+1+3+1 = 10, Ward rounds 1+0+3+2+2 = 8,
    # Transport 0+1+0+0+3 = 4; the most possible is 3 x 5 = 15.
    assert tally.borda(the_poll) == [
        {"label": "Pharmacy first", "points": 10, "percent": 67},
        {"label": "Discharge lounge", "points": 8, "percent": 53},  # tied with Ward rounds, written first
        {"label": "Ward rounds", "points": 8, "percent": 53},
        {"label": "Transport", "points": 4, "percent": 27},
    ]


def test_the_same_ranking_answered_from_phones():
    state, pids = room_with(people=PEOPLE)
    poll_id = opened(state, "ranking", options="\n".join(FOUR))
    for pid, order in zip(
        pids, ([0, 1, 2, 3], [1, 0, 3, 2], [2, 0, 1, 3], [1, 2, 0, 3], ["3", "2", "1", "0"]), strict=True
    ):
        answer(state, pid, poll_id, order=order)
    assert [(row["label"], row["points"]) for row in tally.borda(poll(state, poll_id))] == [
        ("Pharmacy first", 10),
        ("Discharge lounge", 8),
        ("Ward rounds", 8),
        ("Transport", 4),
    ]


def test_ranking_ties_keep_the_order_the_options_were_written_in():
    the_poll = answered("ranking", [2, 1, 0], [0, 1, 2], options=OPTIONS)
    assert tally.borda(the_poll) == [{"label": option, "points": 2, "percent": 50} for option in OPTIONS]
    unanimous = answered("ranking", [2, 1, 0], [2, 1, 0], options=OPTIONS)
    assert [(row["label"], row["percent"]) for row in tally.borda(unanimous)] == [
        ("Ward rounds", 100),
        ("Pharmacy first", 50),
        ("Discharge lounge", 0),
    ]


def test_a_ranking_with_no_answers_lists_the_options_as_written_with_no_points():
    assert tally.borda(answered("ranking", options=OPTIONS)) == [
        {"label": option, "points": 0, "percent": 0} for option in OPTIONS
    ]


# -- impact and effort -------------------------------------------------------


def test_the_matrix_averages_impact_and_effort_per_option():
    the_poll = answered(
        "matrix",
        {"impact": [5, 2], "effort": [2, 4]},
        {"impact": [4, 1], "effort": [1, 5]},
        {"impact": [5, 3], "effort": [2, 4]},
        options=OPTIONS[:2],
    )
    points = tally.matrix(the_poll)
    assert points == [
        {"label": "Discharge lounge", "number": 1, "impact": 4.67, "effort": 1.67},
        {"label": "Pharmacy first", "number": 2, "impact": 2.0, "effort": 4.33},
    ]
    assert [tally.quadrant(p["impact"], p["effort"]) for p in points] == ["Quick win", "Thankless task"]
    assert tally.results(the_poll) == {"points": points}


def test_a_matrix_with_no_answers_places_nothing():
    the_poll = answered("matrix", options=OPTIONS[:2])
    assert tally.matrix(the_poll) == [
        {"label": "Discharge lounge", "number": 1, "impact": None, "effort": None},
        {"label": "Pharmacy first", "number": 2, "impact": None, "effort": None},
    ]
    assert views.results_view(the_poll)["plotted"] == []


def test_the_matrix_answered_from_phones():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "matrix")
    answer(state, ana, poll_id, impact=["5", "1", "3"], effort=["1", "5", "3"])
    answer(state, ben, poll_id, impact=[4, 2, 4], effort=[2, 4, 4])
    assert [(p["impact"], p["effort"]) for p in tally.matrix(poll(state, poll_id))] == [
        (4.5, 1.5),
        (1.5, 4.5),
        (3.5, 3.5),
    ]


@pytest.mark.parametrize(
    ("impact", "effort", "quadrant"),
    [
        (5, 1, "Quick win"),
        (5, 5, "Major project"),
        (1, 1, "Fill-in"),
        (1, 5, "Thankless task"),
        (3, 3, "Major project"),
        (3, 2.99, "Quick win"),
        (2.99, 3, "Thankless task"),
        (2.99, 2.99, "Fill-in"),
    ],
)
def test_the_quadrant_of_a_point_counts_the_midpoint_as_high(impact, effort, quadrant):
    assert tally.quadrant(impact, effort) == quadrant


def test_plot_places_effort_left_to_right_and_impact_bottom_to_top_in_a_hundred_square():
    points = [
        {"label": "A", "number": 1, "impact": 5, "effort": 1},
        {"label": "B", "number": 2, "impact": 1, "effort": 5},
        {"label": "C", "number": 3, "impact": 3, "effort": 3},
        {"label": "D", "number": 4, "impact": 4.5, "effort": 2},
        {"label": "E", "number": 5, "impact": None, "effort": None},
    ]
    assert views.plot(points) == [
        {"label": "A", "number": 1, "impact": 5, "effort": 1, "x": 0.0, "y": 0.0, "quadrant": "Quick win"},
        {"label": "B", "number": 2, "impact": 1, "effort": 5, "x": 100.0, "y": 100.0, "quadrant": "Thankless task"},
        {"label": "C", "number": 3, "impact": 3, "effort": 3, "x": 50.0, "y": 50.0, "quadrant": "Major project"},
        {"label": "D", "number": 4, "impact": 4.5, "effort": 2, "x": 25.0, "y": 12.5, "quadrant": "Quick win"},
    ]  # y is measured down from the top, as in the SVG: high impact is near 0


# -- results per kind ----------------------------------------------------------


def test_results_name_what_each_kind_shows():
    assert set(tally.results(answered("single", options=OPTIONS))) == {"bars"}
    assert set(tally.results(answered("multiple", options=OPTIONS))) == {"bars"}
    assert set(tally.results(answered("scale"))) == {"average", "bars"}
    assert set(tally.results(answered("words"))) == {"words"}
    assert set(tally.results(answered("text"))) == {"texts"}
    assert set(tally.results(answered("ranking", options=OPTIONS))) == {"ranking"}
    assert set(tally.results(answered("matrix", options=OPTIONS))) == {"points"}
    assert set(views.results_view(answered("matrix", options=OPTIONS))) == {"points", "plotted"}
    assert set(views.results_view(answered("words"))) == {"words", "cloud"}


def test_the_record_gives_a_scale_as_plain_data():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "scale")
    answer(state, ana, poll_id, value=4)
    answer(state, ben, poll_id, value=5)
    (entry,) = views.api_view(scene(state), Actor(Role.FACILITATOR))["polls"]
    assert entry["results"] == {
        "average": 4.5,
        "bars": [
            {"label": "1", "count": 0, "percent": 0},
            {"label": "2", "count": 0, "percent": 0},
            {"label": "3", "count": 0, "percent": 0},
            {"label": "4", "count": 1, "percent": 50},
            {"label": "5", "count": 1, "percent": 50},
        ],
    }
    assert (entry["answered"], entry["present"]) == (2, 2)
