import numpy as np
import pytest

from rnnkit import data

TASKS = {
    "adding": lambda seed: data.adding_problem(16, 10, seed=seed),
    "copy": lambda seed: data.copy_task(16, 5, delay=3, seed=seed),
    "first": lambda seed: data.first_symbol(16, 10, seed=seed),
    "reverse": lambda seed: data.reverse_task(16, 6, seed=seed),
    "variable": lambda seed: data.variable_length(16, 9, seed=seed),
}


@pytest.mark.parametrize("task", TASKS)
def test_same_seed_same_data_other_seed_differs(task):
    a, b, c = TASKS[task](0), TASKS[task](0), TASKS[task](1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_adding_problem_markers_and_target():
    x, y = data.adding_problem(200, 11, seed=3)
    assert x.shape == (200, 11, 2) and y.shape == (200,)
    assert x.dtype == y.dtype == np.float64
    marks = x[..., 1]
    assert set(np.unique(marks)) == {0.0, 1.0}
    assert (marks[:, :5].sum(1) == 1).all() and (marks[:, 5:].sum(1) == 1).all()
    np.testing.assert_allclose(y, (x[..., 0] * marks).sum(1))
    assert ((x[..., 0] >= 0) & (x[..., 0] < 1)).all()


def test_copy_task_layout():
    x, y, mask = data.copy_task(4, 3, n_symbols=5, delay=2, seed=0)
    assert x.shape == y.shape == mask.shape == (4, 8)
    assert x.dtype == y.dtype == np.int64 and mask.dtype == bool
    np.testing.assert_array_equal(y[:, 5:], x[:, :3])  # reproduced after the go step
    assert ((x[:, :3] >= 1) & (x[:, :3] <= 5)).all()
    assert (x[:, 5] == 6).all() and (x[:, 3:5] == 0).all() and (x[:, 6:] == 0).all()
    assert (y[~mask] == 0).all() and mask[:, 5:].all() and not mask[:, :5].any()


def test_first_symbol_label_is_first_token_and_rest_is_noise():
    x, y = data.first_symbol(100, 7, n_classes=3, n_noise=5, seed=0)
    assert x.shape == (100, 7) and y.shape == (100,) and x.dtype == y.dtype == np.int64
    np.testing.assert_array_equal(y, x[:, 0])
    assert set(np.unique(y)) == {0, 1, 2}
    assert ((x[:, 1:] >= 3) & (x[:, 1:] < 8)).all()


def test_reverse_task():
    src, tgt = data.reverse_task(5, 4, n_symbols=3, seed=0)
    assert src.shape == tgt.shape == (5, 4) and src.dtype == np.int64
    np.testing.assert_array_equal(tgt, src[:, ::-1])
    assert ((src >= 1) & (src <= 3)).all()  # 0 is kept for the decoder's start token
    src, tgt = data.reverse_task(5, 4, reverse=False, seed=0)
    np.testing.assert_array_equal(tgt, src)


def test_variable_length_padding_and_target():
    x, lengths, y = data.variable_length(50, 8, min_T=2, input_size=3, seed=0)
    assert x.shape == (50, 8, 3) and lengths.shape == y.shape == (50,)
    assert lengths.min() >= 2 and lengths.max() <= 8
    for row, n in zip(x, lengths):
        assert (row[n:] == 0).all() and (row[:n] > 0).all()
    np.testing.assert_allclose(y, [row[:n, 0].mean() for row, n in zip(x, lengths)])


def test_char_vocab_round_trip_and_batches():
    text = data.char_corpus()
    assert len(text) > 2000 and text.isascii()
    vocab = data.CharVocab(text)
    assert vocab.size == len(vocab) == len(set(text))
    assert vocab.decode(vocab.encode(text[:100])) == text[:100]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("~")
    batches = data.char_batches(text, 16, 4, vocab=vocab, seed=0)
    x, y = next(batches)
    assert x.shape == y.shape == (4, 16) and x.dtype == np.int64
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x shifted by one character
    assert vocab.decode(np.concatenate([x[0], y[0, -1:]])) in text
    again = next(data.char_batches(text, 16, 4, vocab=vocab, seed=0))
    np.testing.assert_array_equal(again[0], x)


@pytest.mark.parametrize("call, name", [
    (lambda: data.adding_problem(0, 5), "n"),
    (lambda: data.adding_problem(4, 1), "T"),
    (lambda: data.adding_problem(4, 5.0), "T"),
    (lambda: data.copy_task(4, 3, delay=-1), "delay"),
    (lambda: data.first_symbol(4, 3, n_classes=1), "n_classes"),
    (lambda: data.reverse_task(4, 0), "L"),
    (lambda: data.variable_length(4, 3, min_T=5), "min_T"),
    (lambda: data.char_batches("abc", 3, 2), "seq_len"),
    (lambda: data.char_batches("abcdef", 3, 0), "batch_size"),
    (lambda: data.CharVocab(""), "text"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
