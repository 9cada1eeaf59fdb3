"""rnnkit.autograde.reports: the feedback page links the book and says per output what is right
and wrong; the class report counts diagnoses by kind, whatever the sizes and seeds, and says who
made each. (End to end, with nbgrader, in test_autograde.py.)"""

import csv
import html
import re
from pathlib import Path

from notebooks import ROOT, SOURCES, mutate, run
from rnnkit.autograde import reports
from rnnkit.grading import book

RESET_BEFORE = [("n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])",
                 'n = np.tanh(gi[:, 2 * H:] + (r * h_prev) @ p["weight_hh"][2 * H:].T + p["bias_hh"][2 * H:])')]


def message(assignment, name, bug, seed):
    return "GradingError: " + run(assignment, name, mutate(SOURCES[assignment], bug), seeds=(seed,))


def test_the_feedback_page_links_each_cited_section_and_shows_each_output_right_or_wrong():
    wrong = message("01_rnn", "rnn_step_backward", [('"bias_ih": da.sum(axis=0)', '"bias_ih": da.mean(axis=0)')], 4)
    rows = [("test_rnn_step_forward", 2, 2, ""), ("test_rnn_step_backward", 0, 3, wrong)]
    page = reports.page("01_rnn", "cy", rows, "https://example.org/rnn")
    assert "<a href='https://example.org/rnn/book/01_rnn.html#backpropagation-through-time'>" in page
    bias = re.escape(html.escape("grads['bias_ih']"))
    assert re.search(bias + r"</code></td><td class='wrong'>wrong</td><td>[^<]*averaged over the batch", page)
    assert "<code>dx</code></td><td class='right'>right</td>" in page
    assert "2 / 5" in page and "hidden_check" not in page and "HIDDEN TESTS" not in page


def test_each_part_of_a_combination_is_shown_with_the_output_it_explains():
    keras = RESET_BEFORE + [("r = _sigmoid(gi[:, :H] + gh[:, :H])", "r = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])"),
                            ("z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])", "z = _sigmoid(gi[:, :H] + gh[:, :H])"),
                            ("h_next = (1 - z) * n + z * h_prev", "h_next = z * n + (1 - z) * h_prev")]
    wrong = message("03_gru", "gru_step_forward", keras, 2)
    page = reports.page("03_gru", "eve", [("test_gru_step_forward", 0, 2, wrong)], "b")
    row = re.search(r"<code>h_next</code></td><td class='wrong'>wrong</td><td>(.*?)</td>", page).group(1)
    assert "1. " in row and "2. " in row and "z, r, n" in row and "Chung" in row


def test_the_book_is_the_local_build_unless_a_url_is_given(monkeypatch):
    monkeypatch.delenv("RNNKIT_BOOK_URL", raising=False)
    assert reports.book_location() == (ROOT / "_build" / "html").as_uri()
    monkeypatch.setenv("RNNKIT_BOOK_URL", "https://course.example/book")
    assert reports.book_location() == "https://course.example/book"
    assert reports.book_location("https://other.example") == "https://other.example"


def test_a_quoted_forward_message_is_shown_under_the_backward_function_with_its_links():
    wrong = message("03_gru", "gru_step_backward", RESET_BEFORE, 5)
    page = reports.page("03_gru", "dee", [("test_gru_step_backward", 0, 3, wrong)], "file:///book")
    assert "cannot be checked until gru_step_forward is right" in page
    assert "file:///book/book/03_gru.html#the-equations" in page


def test_the_report_counts_each_kind_once_whatever_the_sizes_and_seeds_and_names_who(tmp_path, monkeypatch):
    by_student = {  # two students with the same mistake, graded with other seeds; one with two findings
        "ann": [("test_gru_forward", 0, 2, message("03_gru", "gru_forward", RESET_BEFORE, 1))],
        "ben": [("test_gru_forward", 0, 2, message("03_gru", "gru_forward", RESET_BEFORE, 9))],
        "cat": [("test_gru_forward", 0, 2, message("03_gru", "gru_forward", RESET_BEFORE + [
            ("np.stack(hs, axis=1), caches", "np.stack(hs, axis=1).astype(np.float32), caches")], 3))],
        "dan": [("test_gru_forward", 2, 2, "")],
    }
    monkeypatch.setattr(reports.nbg, "load", lambda root, db_url=None: type("C", (), {"root": Path(root)})())
    monkeypatch.setattr(reports.nbg, "submissions", lambda course, a, students=None: dict.fromkeys(by_student))
    monkeypatch.setattr(reports, "test_results", lambda course, a, student: by_student[student])
    png, table, page = reports.report(tmp_path, "03_gru")
    rows = list(csv.DictReader(open(table)))
    assert [(r["kind"], r["students"], r["who"]) for r in rows] == [
        ("reset_before", "3", "ann ben cat"), ("not_float64", "1", "cat")]
    assert rows[0]["mistake"] == "GRU: reset gate before the product (Cho et al. 2014)"
    assert "ann, ben, cat" in page.read_text() and png.stat().st_size > 5000


def test_messages_of_an_older_grading_are_counted_by_their_words():
    assert reports.kinds("GradingError: f is wrong.\nMost likely mistake: the mask is ignored.\nSee the book") == [
        "the mask is ignored"]
    assert reports.kinds("NotGraded: the notebook was stopped") == ["not graded: the notebook was stopped"]
    assert reports.kinds("GradingError: x\nDiagnosis: forward_wrong; modified_input") == ["forward_wrong",
                                                                                          "modified_input"]


def test_every_link_the_grader_can_cite_is_well_formed():
    for page, heading in book.citations("See the book, chapter 4, Long short-term memory (book/04_lstm), section "
                                        "'Two states: a memory and an output'."):
        assert book.link("b", page, heading) == "b/book/04_lstm.html#two-states-a-memory-and-an-output"
