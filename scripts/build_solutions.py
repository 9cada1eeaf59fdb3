"""Write the nbgrader source notebooks solutions/<id>/<id>.ipynb from the cells in this file.

    python scripts/build_solutions.py            # all five
    python scripts/build_solutions.py 03_gru     # one

The notebooks are generated: edit the cells here and rebuild, so that the five notebooks keep
one layout (intro, locked setup, then per graded function: equations, solution, gradient check
for a backward, test; a written question last). Cell ids are fixed, so a rebuild without
changes gives the same file. nbgrader copies everything in solutions/<id>/ to students: keep
the notebook the only file there.
"""

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent

CHAPTER = {  # id -> (chapter number, title); the titles and section names are the grader's
    "01_rnn": (1, "Recurrent neural networks"),
    "02_vanishing_gradients": (2, "Vanishing and exploding gradients"),
    "03_gru": (3, "Gated recurrent units"),
    "04_lstm": (4, "Long short-term memory"),
    "05_attention": (5, "Attention"),
}

SETUP = """\
import numpy as np
import rnnkit.grading  # first, before your code: the grader keeps untouched references
from rnnkit.grading import check
rnnkit.grading.prepare()  # loads the reference implementations, so your first test answers at once
from rnnkit.gradcheck import check_gradients, numerical_gradient, rel_error
from rnnkit import init_params"""


def _text(s):
    return textwrap.dedent(s).strip("\n")


def _nbgrader(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def md(*parts):
    """A markdown cell; parts (each dedented on its own) are separated by blank lines."""
    return new_markdown_cell("\n\n".join(_text(part) for part in parts))


def code(source):
    """An ungraded cell the student may run and change."""
    return new_code_cell(_text(source))


def setup():
    return new_code_cell(SETUP, metadata=_nbgrader("setup", locked=True))


def solution(name, source):
    """The cell holding the graded function `name`: def line, docstring, solution region."""
    return new_code_cell(_text(source), metadata=_nbgrader(name, solution=True))


def test(name, points, forward=None):
    args = f"{name}, {forward}" if forward else name
    source = (f'check("{name}", {args}, visible=True)\n'
              "### BEGIN HIDDEN TESTS\n"
              "from rnnkit.grading import check as hidden_check\n"
              f'hidden_check("{name}", {args})\n'
              "### END HIDDEN TESTS")
    return new_code_cell(source, metadata=_nbgrader(f"test_{name}", grade=True, locked=True, points=points))


def written(prompt, answer):
    """A question graded by hand; nbgrader releases the answer cell as 'YOUR ANSWER HERE'."""
    return [new_markdown_cell(_text(prompt), metadata=_nbgrader("written_question", locked=True)),
            new_markdown_cell(_text(answer), metadata=_nbgrader("written_answer", grade=True, solution=True,
                                                                points=1))]


def intro(nb_id, title, what, points):
    number, chapter = CHAPTER[nb_id]
    # Raw HTML: a link into the rendered book that Sphinx leaves alone when it renders this notebook
    link = f'<a href="../../book/{nb_id}.html">Chapter {number}, <em>{chapter}</em></a>'

    return md(f"# Exercise {number}: {title}", _text(what).format(link=link), INTRO.format(points=points))


INTRO = """
**How grading works.** Below each graded function is a test cell. Run it now: it is the
*visible* test, which compares your function on small fixed inputs with a PyTorch reference
(`rnnkit.reference`). At grading, hidden tests make the same comparison on fresh random
sizes, so code that only works for the visible sizes fails there. When a function is wrong,
the message says which output differs, names the most likely mistake and the section of the
book to re-read. Points: {points}; the written question at the end is graded by hand
(1 point).

**Rules.**
- Replace each `raise NotImplementedError()` with your code; keep the function names,
  arguments and return values that the docstrings give.
- Graded functions use **NumPy only**. A graded function that calls torch, rnnkit or scipy
  (directly or through a helper) earns 0 points, even if its answer is right. The ungraded
  cells may use anything.
- Do not modify the inputs in place (no `x += ...` or `p["weight_hh"][...] = ...` on an
  argument): compute new arrays.
- Keep everything float64. Arrays are batch-first and parameter dicts use PyTorch's names and
  layout, as in the book: `p["weight_ih"]` is stored (out, in), so a batch-first product is
  `x @ p["weight_ih"].T`.
- Run the cells in order, starting with the first code cell below.
"""


def _cell_ids(cells):
    """Stable, readable cell ids: the grade_id where there is one, else a counter."""
    for i, cell in enumerate(cells):
        cell.id = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell-{i:02d}"
    return cells


def build(nb_id):
    nb = new_notebook(cells=_cell_ids(NOTEBOOKS[nb_id]()), metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    path = ROOT / "solutions" / nb_id / f"{nb_id}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


# ============================================================================================
# 01_rnn
# ============================================================================================

def rnn():
    return [
        intro("01_rnn", "a recurrent neural network in NumPy", """
        You implement the tanh RNN of {link} in NumPy: one step forward and backward, then
        a whole sequence forward and backward, which is backpropagation through time (BPTT). The
        equations are in the chapter's sections *The forward pass* and *Backpropagation through
        time*.
        """, "rnn_step_forward 2, rnn_step_backward 3, rnn_forward 2, rnn_backward 3"),
        setup(),

        md(r"""
        ## 1. One step forward

        A step reads a batch of inputs $x$, $(N, D)$, and the previous states $h_{\text{prev}}$,
        $(N, H)$. With one sample per row and the weights stored as in PyTorch, (out, in):

        $$
        a = x W_{ih}^\top + b_{ih} + h_{\text{prev}} W_{hh}^\top + b_{hh}, \qquad
        h_{\text{next}} = \tanh(a) \qquad (N, H).
        $$

        | key of `p` | symbol | shape |
        |---|---|---|
        | `"weight_ih"` | $W_{ih}$ | $(H, D)$ |
        | `"weight_hh"` | $W_{hh}$ | $(H, H)$ |
        | `"bias_ih"` | $b_{ih}$ | $(H,)$ |
        | `"bias_hh"` | $b_{hh}$ | $(H,)$ |

        The biases broadcast over the rows. The `cache` you return holds whatever
        `rnn_step_backward` will need; a dict is easiest to read.
        """),
        solution("rnn_step_forward", '''
        def rnn_step_forward(x, h_prev, p):
            """One step of the tanh RNN, h_next = tanh(x W_ih^T + b_ih + h_prev W_hh^T + b_hh).

            Inputs:
            - x: (N, D), the inputs of this step.
            - h_prev: (N, H), the previous hidden states.
            - p: dict of parameters, PyTorch's layout: "weight_ih" (H, D), "weight_hh" (H, H),
              "bias_ih" (H,), "bias_hh" (H,).

            Returns a tuple (h_next, cache):
            - h_next: (N, H), the next hidden states.
            - cache: what rnn_step_backward needs to compute the gradients (your choice).
            """
            ### BEGIN SOLUTION
            a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]  # (N, H)
            h_next = np.tanh(a)
            return h_next, {"x": x, "h_prev": h_prev, "h_next": h_next, "p": p}  # tanh'(a) = 1 - h_next²: a is not needed
            ### END SOLUTION
        '''),
        test("rnn_step_forward", 2),

        md(r"""
        ## 2. One step backward

        Given the upstream gradient $\bar h = \partial L / \partial h_{\text{next}}$, $(N, H)$
        (`dh_next`), return the gradients of $L$ with respect to every input of the step. With
        $\delta = \partial L / \partial a$:

        $$
        \delta = \bar h \odot (1 - h_{\text{next}}^2), \qquad
        \frac{\partial L}{\partial x} = \delta\, W_{ih} \ (N, D), \qquad
        \frac{\partial L}{\partial h_{\text{prev}}} = \delta\, W_{hh} \ (N, H),
        $$

        $$
        \frac{\partial L}{\partial W_{ih}} = \delta^\top x \ (H, D), \qquad
        \frac{\partial L}{\partial W_{hh}} = \delta^\top h_{\text{prev}} \ (H, H), \qquad
        \frac{\partial L}{\partial b_{ih}} = \frac{\partial L}{\partial b_{hh}} = \textstyle\sum_n \delta_n \ (H,).
        $$

        A gradient has the shape of what it is the gradient of, and the parameter gradients are
        summed over the batch. `grads` is a dict with the keys of `p`.
        """),
        solution("rnn_step_backward", '''
        def rnn_step_backward(dh_next, cache):
            """Backward pass of rnn_step_forward.

            Inputs:
            - dh_next: (N, H), the upstream gradient dL/dh_next.
            - cache: what rnn_step_forward returned.

            Returns a tuple (dx, dh_prev, grads):
            - dx: (N, D), dL/dx.
            - dh_prev: (N, H), dL/dh_prev.
            - grads: dict with the keys of p, each dL/dp[key] with the shape of p[key].
            """
            ### BEGIN SOLUTION
            da = dh_next * (1 - cache["h_next"] ** 2)  # (N, H), through tanh
            p = cache["p"]
            dx = da @ p["weight_ih"]  # a = x @ W_ih.T + ..., so no transpose on the way back
            dh_prev = da @ p["weight_hh"]
            grads = {"weight_ih": da.T @ cache["x"], "weight_hh": da.T @ cache["h_prev"],  # (out, in), summed over the batch
                     "bias_ih": da.sum(axis=0), "bias_hh": da.sum(axis=0)}
            return dx, dh_prev, grads
            ### END SOLUTION
        '''),
        code("""
        # Check your gradients against finite differences (ungraded; change the sizes if you like).
        rng = np.random.default_rng(0)
        N, D, H = 3, 4, 5
        x, h_prev, dh_next = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
        p = init_params("rnn", D, H, seed=0)

        h_next, cache = rnn_step_forward(x, h_prev, p)
        dx, dh_prev, grads = rnn_step_backward(dh_next, cache)
        errors = check_gradients(lambda x, h_prev, **p: rnn_step_forward(x, h_prev, p)[0],
                                 {"x": x, "h_prev": h_prev, **p}, {"x": dx, "h_prev": dh_prev, **grads}, dh_next)
        print({k: f"{e:.1e}" for k, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("rnn_step_backward", 3, "rnn_step_forward"),

        md(r"""
        ## 3. A sequence forward

        Unroll the step over the time axis of `xs`, $(N, T, D)$, starting from `h0`, $(N, H)$,
        with the same parameters at every step:

        $$
        h_t = \tanh\left(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\right), \qquad t = 1, \dots, T.
        $$

        Return every state $h_1, \dots, h_T$ (not $h_0$) as `hs`, $(N, T, H)$: `hs[:, t]` is
        the state after reading `xs[:, t]`. Call your `rnn_step_forward`, and keep what
        `rnn_backward` needs (for example the list of step caches).
        """),
        solution("rnn_forward", '''
        def rnn_forward(xs, h0, p):
            """The tanh RNN over a whole sequence.

            Inputs:
            - xs: (N, T, D), the inputs, batch-first.
            - h0: (N, H), the initial hidden states.
            - p: dict of parameters, as in rnn_step_forward.

            Returns a tuple (hs, cache):
            - hs: (N, T, H), the hidden states h_1 .. h_T; hs[:, t] follows xs[:, t].
            - cache: what rnn_backward needs (your choice).
            """
            ### BEGIN SOLUTION
            N, T, _ = xs.shape
            h, hs, caches = h0, np.zeros((N, T, h0.shape[1])), []
            for t in range(T):
                h, step_cache = rnn_step_forward(xs[:, t], h, p)
                hs[:, t] = h
                caches.append(step_cache)
            return hs, caches  # the cache: one step cache per time step
            ### END SOLUTION
        '''),
        test("rnn_forward", 2),

        md(r"""
        ## 4. A sequence backward: backpropagation through time

        `dhs`, $(N, T, H)$, holds the upstream gradient $\bar h_t$ on every state, as from
        an output layer. The total gradient on $h_t$ adds what flows back from step $t + 1$:

        $$
        g_T = \bar h_T, \qquad
        g_t = \bar h_t + \left.\frac{\partial L}{\partial h_t}\right|_{\text{from step } t+1}, \qquad
        \frac{\partial L}{\partial h_0} = \left.\frac{\partial L}{\partial h_0}\right|_{\text{from step } 1}.
        $$

        Walk from $t = T$ down to $1$, call `rnn_step_backward` with $g_t$, keep
        $\partial L / \partial x_t$ in `dxs`, $(N, T, D)$, pass $\partial L / \partial h_{t-1}$
        on to the next iteration, and **add up** the parameter gradients of all steps: the
        parameters are shared, so $\partial L / \partial W = \sum_t \partial L / \partial W^{(t)}$.
        """),
        solution("rnn_backward", '''
        def rnn_backward(dhs, cache):
            """Backpropagation through time for rnn_forward.

            Inputs:
            - dhs: (N, T, H), the upstream gradients dL/dh_t on every hidden state.
            - cache: what rnn_forward returned.

            Returns a tuple (dxs, dh0, grads):
            - dxs: (N, T, D), dL/dxs.
            - dh0: (N, H), dL/dh0.
            - grads: dict with the keys of p, each dL/dp[key] summed over all time steps.
            """
            ### BEGIN SOLUTION
            N, T, H = dhs.shape
            D = cache[0]["x"].shape[1]
            dxs, dh = np.zeros((N, T, D)), np.zeros((N, H))  # dh: what flows back into h_t from step t + 1
            grads = {k: np.zeros_like(v) for k, v in cache[0]["p"].items()}
            for t in reversed(range(T)):
                dx, dh, g = rnn_step_backward(dhs[:, t] + dh, cache[t])
                dxs[:, t] = dx
                for k in grads:
                    grads[k] += g[k]  # the parameters are shared: one contribution per step
            return dxs, dh, grads
            ### END SOLUTION
        '''),
        code("""
        # Check BPTT against finite differences (ungraded).
        rng = np.random.default_rng(0)
        N, T, D, H = 2, 4, 3, 5
        xs, h0, dhs = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
        p = init_params("rnn", D, H, seed=0)

        hs, cache = rnn_forward(xs, h0, p)
        dxs, dh0, grads = rnn_backward(dhs, cache)
        errors = check_gradients(lambda xs, h0, **p: rnn_forward(xs, h0, p)[0],
                                 {"xs": xs, "h0": h0, **p}, {"xs": dxs, "h0": dh0, **grads}, dhs)
        print({k: f"{e:.1e}" for k, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("rnn_backward", 3, "rnn_forward"),

        md("""
        ### Try it: your RNN against `torch.nn.RNN`

        `rnnkit.to_module` puts a parameter dict into a float64 `torch.nn.RNN` (batch-first), so
        PyTorch itself can judge your forward pass. Ungraded.
        """),
        code("""
        import torch
        from rnnkit import to_module

        layer = to_module("rnn", p, layer=True)  # torch.nn.RNN holding a copy of p
        hs_torch, _ = layer(torch.tensor(xs), torch.tensor(h0)[None])  # h0 as (layers, N, H)
        hs, _ = rnn_forward(xs, h0, p)
        print("largest difference from torch.nn.RNN:", np.abs(hs - hs_torch.detach().numpy()).max())
        """),

        *written(r"""
        ## Written question (1 point, graded by hand)

        The gradient of $W_{hh}$ that `rnn_backward` returns is a *sum* over the time steps,
        $\sum_t \delta_t^\top h_{t-1}$. Explain in two to four sentences why it is a sum, and why
        the term of step $t$ pairs $\delta_t$ with $h_{t-1}$ rather than with $h_t$.
        """, r"""
        $W_{hh}$ is shared: the same matrix is used at every step, so $L$ depends on it through
        every pre-activation $a_1, \dots, a_T$. If each step had its own copy $W_{hh}^{(t)}$
        holding the same values, changing the shared matrix would change all copies at once, so
        by the chain rule its gradient is the sum of the copies' gradients,
        $\sum_t \partial L / \partial W_{hh}^{(t)}$. Each copy enters only
        $a_t = \dots + W_{hh}^{(t)} h_{t-1}$, linearly, so its gradient is the outer product of
        $\delta_t = \partial L / \partial a_t$ with the vector it multiplies, which is the
        *previous* state $h_{t-1}$ (so $h_0$ takes part too); in batch form that is
        $\delta_t^\top h_{t-1}$.
        """),
    ]


# ============================================================================================
# 02_vanishing_gradients
# ============================================================================================

def vanishing():
    return [
        intro("02_vanishing_gradients", "the numerics of gradients", """
        You write three small tools of {link}: a sigmoid that never overflows (section
        *Numerically stable sigmoid and softmax*), the Jacobian $\\partial h_t / \\partial h_{{t-1}}$
        of one tanh-RNN step, whose repeated product makes gradients vanish or explode (section
        *The Jacobian product through time*), and gradient-norm clipping as
        `torch.nn.utils.clip_grad_norm_` does it (section *Exploding gradients and clipping*).
        """, "sigmoid 2, hidden_jacobian 2, clip_grad_norm 2"),
        setup(),

        md(r"""
        ## 1. A numerically stable sigmoid

        $$
        \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}, \qquad \text{elementwise, any shape.}
        $$

        Both forms are exact, but each overflows on one side: $e^{-x}$ is `inf` for
        $x < -709$, and $e^{x}$ for $x > 709$, and NumPy then warns (`RuntimeWarning: overflow`).
        Use each form where its exponential is at most 1. The test includes inputs such as
        $\pm 1000$ and $\pm 10^{308}$ and fails on any overflow warning. Return a new array with
        the shape of `x`.
        """),
        solution("sigmoid", '''
        def sigmoid(x):
            """The logistic sigmoid 1 / (1 + exp(-x)), elementwise, without overflow for any float input.

            Inputs:
            - x: array of any shape, float64.

            Returns:
            - out: array of the shape of x, out = sigmoid(x), in [0, 1].
            """
            ### BEGIN SOLUTION
            out = np.empty_like(x, dtype=np.float64)
            pos = x >= 0
            out[pos] = 1 / (1 + np.exp(-x[pos]))  # x >= 0: e^{-x} <= 1 cannot overflow
            e = np.exp(x[~pos])  # x < 0: e^x < 1 cannot overflow
            out[~pos] = e / (1 + e)
            return out
            ### END SOLUTION
        '''),
        test("sigmoid", 2),

        md(r"""
        ## 2. The Jacobian of one RNN step

        For $h_t = \tanh(a_t)$ with $a_t = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$,
        the Jacobian of one sample's step is

        $$
        J_t = \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\!\left(1 - h_t^2\right) W_{hh}
        \qquad (H, H), \qquad
        J_t[i, j] = \frac{\partial h_{t,i}}{\partial h_{t-1,j}} = (1 - h_{t,i}^2)\, (W_{hh})_{ij}.
        $$

        `h_next` holds $h_t$ for a batch, $(N, H)$; return the $N$ Jacobians stacked,
        $(N, H, H)$. Only `p["weight_hh"]` is needed: $\tanh'$ is computed from the output.
        Backpropagation multiplies by $J_t^\top$ once per step, so the gradient that reaches
        $k$ steps back is multiplied by a product of $k$ such matrices.
        """),
        solution("hidden_jacobian", '''
        def hidden_jacobian(h_next, p):
            """The Jacobian dh_t / dh_{t-1} of one tanh-RNN step, for each sample of a batch.

            Inputs:
            - h_next: (N, H), the states h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
            - p: dict of RNN parameters in PyTorch's layout; "weight_hh" (H, H) is the one used.

            Returns:
            - J: (N, H, H), J[n, i, j] = d h_t[n, i] / d h_{t-1}[n, j].
            """
            ### BEGIN SOLUTION
            return (1 - h_next ** 2)[:, :, None] * p["weight_hh"][None]  # (N, H, 1) * (1, H, H): tanh' scales the rows
            ### END SOLUTION
        '''),
        code("""
        # Check: for any u, the vector-Jacobian product u J (what backpropagation computes) must
        # equal the numerical gradient of sum(u * h_t) with respect to h_{t-1}. Ungraded.
        from rnnkit import reference

        rng = np.random.default_rng(0)
        N, D, H = 2, 3, 4
        p = init_params("rnn", D, H, seed=0)
        x, h_prev, u = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
        J = hidden_jacobian(reference.rnn_step(x, h_prev, p), p)
        numerical = numerical_gradient(lambda h: reference.rnn_step(x, h, p), h_prev, dout=u)
        print(f"{rel_error(np.einsum('ni,nij->nj', u, J), numerical):.1e}")  # about 1e-7 or less: right
        """),
        test("hidden_jacobian", 2),

        md("""
        ### Try it: products of Jacobians

        The gradient that reaches $h_{T-k}$ from $h_T$ is multiplied by $J_T J_{T-1} \\cdots
        J_{T-k+1}$. Below, the largest singular value (the spectral norm) of that product, for
        a random RNN whose $W_{hh}$ is scaled to small and to large values. Ungraded; change the
        scales and see where the behaviour flips.
        """),
        code("""
        rng = np.random.default_rng(0)
        N, D, H, T = 1, 3, 16, 30
        xs = rng.normal(size=(N, T, D))
        for scale in (0.5, 1.0, 4.0):
            p = init_params("rnn", D, H, seed=0)
            p["weight_hh"] = rng.normal(size=(H, H)) * scale / np.sqrt(H)  # spectral radius about `scale`
            h, product, norms = np.zeros((N, H)), np.eye(H), []
            for t in range(T):
                h = reference.rnn_step(xs[:, t], h, p)
                product = hidden_jacobian(h, p)[0] @ product  # J_t ... J_1
                norms.append(np.linalg.norm(product, ord=2))
            print(f"scale {scale}: norm after 1, 10, 30 steps:", *(f"{norms[k]:.1e}" for k in (0, 9, 29)))
        """),

        md(r"""
        ## 3. Gradient-norm clipping

        `grads` is a dict of arrays (the gradients of all parameters). Their *global* norm is
        the L2 norm of all entries together, and clipping rescales all arrays by one factor
        (with $m$ = `max_norm`):

        $$
        \|g\| = \sqrt{\textstyle\sum_{\text{arrays}} \sum_{\text{entries}} g^2}, \qquad
        s = \frac{m}{\|g\| + 10^{-6}}, \qquad
        g \leftarrow \begin{cases} s\, g & \text{if } s < 1, \\ g & \text{otherwise.} \end{cases}
        $$

        This is exactly `torch.nn.utils.clip_grad_norm_`, $10^{-6}$ included. Return a **new**
        dict of new arrays (leave `grads` untouched; PyTorch clips in place, we do not) and
        the total norm before clipping, as a float.
        """),
        solution("clip_grad_norm", '''
        def clip_grad_norm(grads, max_norm):
            """Rescale a dict of gradients so that their global L2 norm is at most max_norm.

            Inputs:
            - grads: dict {name: array of any shape}, the gradients; not modified.
            - max_norm: positive float, the largest global norm allowed.

            Returns a tuple (clipped, total_norm):
            - clipped: dict with the keys and shapes of grads, the clipped gradients (new arrays).
            - total_norm: float, the global norm of grads before clipping.
            """
            ### BEGIN SOLUTION
            total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))  # one norm over all arrays
            scale = max_norm / (total + 1e-6)
            if scale < 1:
                return {k: g * scale for k, g in grads.items()}, total
            return {k: g.copy() for k, g in grads.items()}, total
            ### END SOLUTION
        '''),
        test("clip_grad_norm", 2),

        *written(r"""
        ## Written question (1 point, graded by hand)

        Explain in two to four sentences why `clip_grad_norm` changes the *length* of the
        gradient but never its *direction*, and why clipping each array on its own, with its
        own norm, would not have that property.
        """, r"""
        Viewing all parameter gradients as one long vector $g$, clipping multiplies every entry
        of every array by the same positive factor $s = m / (\|g\| + 10^{-6})$, where $m$ is
        `max_norm`, or leaves them all unchanged when $s \ge 1$. A positive multiple of $g$
        points in the same direction as $g$, so the update still follows the steepest-descent
        direction and only its length is capped (at about $m$). Clipping each array with its own
        norm would scale different blocks of $g$ by different factors, which changes their
        relative sizes and so the direction of the update: parameters whose gradients happen to
        be large would be slowed down relative to the others.
        """),
    ]


# ============================================================================================
# 03_gru
# ============================================================================================

GRU_EQUATIONS = r"""
$$
\begin{aligned}
r &= \sigma\!\left(x W_{ir}^\top + b_{ir} + h W_{hr}^\top + b_{hr}\right), \\
z &= \sigma\!\left(x W_{iz}^\top + b_{iz} + h W_{hz}^\top + b_{hz}\right), \\
n &= \tanh\!\left(x W_{in}^\top + b_{in} + r \odot \left(h W_{hn}^\top + b_{hn}\right)\right), \\
h' &= (1 - z) \odot n + z \odot h .
\end{aligned}
$$
"""


def gru():
    return [
        intro("03_gru", "the gated recurrent unit", """
        You implement the GRU of {link} (section *The equations*) in NumPy, in PyTorch's
        convention: forward and backward for one step, then for a sequence. The structure is
        that of exercise 1; what changes is the cell.
        """, "gru_step_forward 2, gru_step_backward 3, gru_forward 2, gru_backward 3"),
        setup(),

        md(r"""
        ## 1. One step forward

        With $x$ $(N, D)$, $h = h_{\text{prev}}$ $(N, H)$ and one sample per row, PyTorch's GRU is
        """, GRU_EQUATIONS, r"""
        The reset gate $r$ multiplies $h W_{hn}^\top + b_{hn}$, *after* the product (this is
        PyTorch's GRU, not Cho et al.'s), and $z$ keeps the old state. The gate weights are
        stacked in the order $r, z, n$: `p["weight_ih"]` is $(3H, D)$ with rows
        $[W_{ir}; W_{iz}; W_{in}]$, `p["weight_hh"]` is $(3H, H)$, `p["bias_ih"]` and
        `p["bias_hh"]` are $(3H,)$, exactly `torch.nn.GRUCell(D, H).state_dict()`. A
        numerically stable $\sigma$ belongs inside your function (a helper defined elsewhere is
        fine too, if it uses NumPy only).
        """),
        solution("gru_step_forward", '''
        def gru_step_forward(x, h_prev, p):
            """One GRU step in PyTorch's convention (gate order r, z, n; reset after the product).

            Inputs:
            - x: (N, D), the inputs of this step.
            - h_prev: (N, H), the previous hidden states.
            - p: dict of parameters, PyTorch's layout: "weight_ih" (3H, D), "weight_hh" (3H, H),
              "bias_ih" (3H,), "bias_hh" (3H,), the gates stacked r, z, n.

            Returns a tuple (h_next, cache):
            - h_next: (N, H), the next hidden states.
            - cache: what gru_step_backward needs to compute the gradients (your choice).
            """
            ### BEGIN SOLUTION
            def _sigmoid(a):
                return 0.5 * (1 + np.tanh(0.5 * a))  # = 1 / (1 + e^{-a}), and never overflows

            H = h_prev.shape[1]
            gi = x @ p["weight_ih"].T + p["bias_ih"]        # (N, 3H): input parts of r, z, n
            gh = h_prev @ p["weight_hh"].T + p["bias_hh"]   # (N, 3H): hidden parts of r, z, n
            r = _sigmoid(gi[:, :H] + gh[:, :H])
            z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
            n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
            h_next = (1 - z) * n + z * h_prev
            return h_next, dict(x=x, h_prev=h_prev, p=p, r=r, z=z, n=n, ghn=gh[:, 2 * H:])
            ### END SOLUTION
        '''),
        test("gru_step_forward", 2),

        md(r"""
        ## 2. One step backward

        Given `dh_next` $= \partial L / \partial h'$, $(N, H)$, return the gradients with
        respect to $x$, $h_{\text{prev}}$ and the parameters. Work backwards through the
        equations, one local derivative at a time:

        - $h' = (1 - z) \odot n + z \odot h$: $\;\partial h' / \partial n = 1 - z$,
          $\;\partial h' / \partial z = h - n$, and a *direct* path $\partial h' / \partial h = z$.
        - Through the nonlinearities: $\tanh' = 1 - n^2$ and $\sigma' = \sigma (1 - \sigma)$,
          both from the gate values the forward pass stored.
        - $n$ depends on $r$ through $r \odot (h W_{hn}^\top + b_{hn})$, so the gradient on the
          hidden part $h W_{hn}^\top + b_{hn}$ of $n$'s pre-activation is $r$ times the one on
          the input part.
        - $h$ reaches $h'$ four ways: directly, and through the three blocks of $W_{hh}$.

        Stacking the pre-activation gradients of the three gates as $(N, 3H)$ arrays (one for
        the input side, one for the hidden side) turns each weight gradient into one product, for
        example $\partial L / \partial W_{ih} = \delta_{ih}^\top x$, $(3H, D)$.
        """),
        solution("gru_step_backward", '''
        def gru_step_backward(dh_next, cache):
            """Backward pass of gru_step_forward.

            Inputs:
            - dh_next: (N, H), the upstream gradient dL/dh_next.
            - cache: what gru_step_forward returned.

            Returns a tuple (dx, dh_prev, grads):
            - dx: (N, D), dL/dx.
            - dh_prev: (N, H), dL/dh_prev.
            - grads: dict with the keys of p, each dL/dp[key] with the shape of p[key].
            """
            ### BEGIN SOLUTION
            c = cache
            dn = dh_next * (1 - c["z"])
            dz = dh_next * (c["h_prev"] - c["n"])
            dh_prev = dh_next * c["z"]  # the direct path: h_next = ... + z * h_prev
            da_n = dn * (1 - c["n"] ** 2)
            dr = da_n * c["ghn"]  # r multiplies ghn = h_prev W_hn^T + b_hn
            da_r = dr * c["r"] * (1 - c["r"])
            da_z = dz * c["z"] * (1 - c["z"])
            dgi = np.concatenate([da_r, da_z, da_n], axis=1)            # (N, 3H), on x W_ih^T + b_ih
            dgh = np.concatenate([da_r, da_z, da_n * c["r"]], axis=1)   # (N, 3H), on h_prev W_hh^T + b_hh
            p = c["p"]
            dx = dgi @ p["weight_ih"]
            dh_prev = dh_prev + dgh @ p["weight_hh"]  # plus the paths through the three gates
            grads = {"weight_ih": dgi.T @ c["x"], "weight_hh": dgh.T @ c["h_prev"],
                     "bias_ih": dgi.sum(0), "bias_hh": dgh.sum(0)}
            return dx, dh_prev, grads
            ### END SOLUTION
        '''),
        code("""
        # Check your gradients against finite differences (ungraded).
        rng = np.random.default_rng(2)
        N, D, H = 3, 4, 5
        x, h_prev, dh_next = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
        p = init_params("gru", D, H, seed=2)

        h_next, cache = gru_step_forward(x, h_prev, p)
        dx, dh_prev, grads = gru_step_backward(dh_next, cache)
        errors = check_gradients(lambda x, h_prev, **p: gru_step_forward(x, h_prev, p)[0],
                                 {"x": x, "h_prev": h_prev, **p}, {"x": dx, "h_prev": dh_prev, **grads}, dh_next)
        print({k: f"{e:.1e}" for k, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("gru_step_backward", 3, "gru_step_forward"),

        md(r"""
        ## 3. A sequence forward

        As in exercise 1: unroll `gru_step_forward` over the time axis of `xs`, $(N, T, D)$,
        from `h0`, $(N, H)$, with the same parameters at every step, and return every state
        $h_1, \dots, h_T$ as `hs`, $(N, T, H)$, with what `gru_backward` needs.
        """),
        solution("gru_forward", '''
        def gru_forward(xs, h0, p):
            """The GRU over a whole sequence.

            Inputs:
            - xs: (N, T, D), the inputs, batch-first.
            - h0: (N, H), the initial hidden states.
            - p: dict of parameters, as in gru_step_forward.

            Returns a tuple (hs, cache):
            - hs: (N, T, H), the hidden states h_1 .. h_T; hs[:, t] follows xs[:, t].
            - cache: what gru_backward needs (your choice).
            """
            ### BEGIN SOLUTION
            h, hs, caches = h0, [], []
            for t in range(xs.shape[1]):
                h, step_cache = gru_step_forward(xs[:, t], h, p)
                hs.append(h)
                caches.append(step_cache)
            return np.stack(hs, axis=1), caches  # (N, T, H), one step cache per time step
            ### END SOLUTION
        '''),
        test("gru_forward", 2),

        md(r"""
        ## 4. A sequence backward

        Backpropagation through time, as in exercise 1: from $t = T$ down to $1$, the step
        receives `dhs[:, t]` plus the gradient on $h_t$ that flows back from step $t + 1$;
        `dh0` is what flows back out of step 1, and the parameter gradients are summed over the
        steps.
        """),
        solution("gru_backward", '''
        def gru_backward(dhs, cache):
            """Backpropagation through time for gru_forward.

            Inputs:
            - dhs: (N, T, H), the upstream gradients dL/dh_t on every hidden state.
            - cache: what gru_forward returned.

            Returns a tuple (dxs, dh0, grads):
            - dxs: (N, T, D), dL/dxs.
            - dh0: (N, H), dL/dh0.
            - grads: dict with the keys of p, each dL/dp[key] summed over all time steps.
            """
            ### BEGIN SOLUTION
            dh = np.zeros_like(dhs[:, 0])  # what flows back into h_t from step t + 1
            dxs = [None] * len(cache)
            grads = {k: np.zeros_like(v) for k, v in cache[0]["p"].items()}
            for t in reversed(range(len(cache))):
                dxs[t], dh, g = gru_step_backward(dhs[:, t] + dh, cache[t])
                for k in grads:
                    grads[k] += g[k]  # the parameters are shared: one contribution per step
            return np.stack(dxs, axis=1), dh, grads  # dxs: (N, T, D)
            ### END SOLUTION
        '''),
        code("""
        # Check BPTT through the GRU against finite differences (ungraded).
        rng = np.random.default_rng(8)
        N, T, D, H = 2, 4, 3, 5
        xs, h0, dhs = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
        p = init_params("gru", D, H, seed=8)

        hs, cache = gru_forward(xs, h0, p)
        dxs, dh0, grads = gru_backward(dhs, cache)
        errors = check_gradients(lambda xs, h0, **p: gru_forward(xs, h0, p)[0],
                                 {"xs": xs, "h0": h0, **p}, {"xs": dxs, "h0": dh0, **grads}, dhs)
        print({k: f"{e:.1e}" for k, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("gru_backward", 3, "gru_forward"),

        md("""
        ### Try it: the update gate as a switch

        When $z \\approx 1$ the GRU copies its state, $h' \\approx h$, whatever the input. Below,
        the update gate's bias is pushed up (its block is the second $H$ entries of `bias_hh`)
        and we measure how far the state moves in 50 steps. Ungraded.
        """),
        code("""
        rng = np.random.default_rng(0)
        N, T, D, H = 4, 50, 3, 8
        xs, h0 = rng.normal(size=(N, T, D)), rng.uniform(-1, 1, size=(N, H))
        for bias in (0.0, 4.0, 8.0):
            p = init_params("gru", D, H, seed=0)
            p["bias_hh"][H:2 * H] += bias  # gate order r, z, n: the z block
            hs, _ = gru_forward(xs, h0, p)
            print(f"z bias +{bias}: mean |h_T - h_0| = {np.abs(hs[:, -1] - h0).mean():.3f}")
        """),

        *written(r"""
        ## Written question (1 point, graded by hand)

        Cho et al. (2014) apply the reset gate *before* the product,
        $n = \tanh(W_{in} x + b_{in} + W_{hn} (r \odot h) + b_{hn})$; PyTorch applies it
        *after*, $r \odot (W_{hn} h + b_{hn})$. Explain in two to four sentences why these are
        two different models and not two ways of writing the same one.
        """, r"""
        $W_{hn}(r \odot h) = W_{hn}\operatorname{diag}(r)\, h$ while
        $r \odot (W_{hn} h) = \operatorname{diag}(r)\, W_{hn} h$, and the two matrices differ
        unless all entries of $r$ are equal: before the product, $r_j$ gates *input* component $h_j$ before
        $W_{hn}$ mixes the components; after it, $r_i$ gates *output* unit $i$ of the mix. The
        bias also differs: PyTorch's $b_{hn}$ is multiplied by $r$, Cho's is not. Since $r$
        depends on the input and the state, no fixed relabelling of the weights turns one
        function into the other, so the same weights give different outputs and weights trained
        for one model do not transfer to the other. (PyTorch's form lets all three blocks of
        $W_{hh} h$ be computed in one matrix product, which is why cuDNN uses it.)
        """),
    ]


# ============================================================================================
# 04_lstm
# ============================================================================================

LSTM_EQUATIONS = r"""
$$
\begin{aligned}
i &= \sigma\!\left(x W_{ii}^\top + b_{ii} + h W_{hi}^\top + b_{hi}\right), &
f &= \sigma\!\left(x W_{if}^\top + b_{if} + h W_{hf}^\top + b_{hf}\right), \\
g &= \tanh\!\left(x W_{ig}^\top + b_{ig} + h W_{hg}^\top + b_{hg}\right), &
o &= \sigma\!\left(x W_{io}^\top + b_{io} + h W_{ho}^\top + b_{ho}\right), \\
c' &= f \odot c + i \odot g, &
h' &= o \odot \tanh(c') .
\end{aligned}
$$
"""


def lstm():
    return [
        intro("04_lstm", "long short-term memory", """
        You implement the LSTM of {link} in NumPy, in PyTorch's convention: forward and
        backward for one step, then for a sequence. The forward equations are in the section
        *Two states: a memory and an output*, the gradients in *The backward pass of one step* and *The cell state is an additive path for gradients*.
        The LSTM carries two states, $h$ and the cell state $c$.
        """, "lstm_step_forward 2, lstm_step_backward 3, lstm_forward 2, lstm_backward 3"),
        setup(),

        md(r"""
        ## 1. One step forward

        With $x$ $(N, D)$, $h = h_{\text{prev}}$ and $c = c_{\text{prev}}$ $(N, H)$, one sample per
        row:
        """, LSTM_EQUATIONS, r"""
        The gates are stacked in PyTorch's order $i, f, g, o$ (not CS231n's $i, f, o, g$):
        `p["weight_ih"]` is $(4H, D)$ with rows $[W_{ii}; W_{if}; W_{ig}; W_{io}]$,
        `p["weight_hh"]` is $(4H, H)$, the biases are $(4H,)$, exactly
        `torch.nn.LSTMCell(D, H).state_dict()`. Use a numerically stable $\sigma$, inside your
        function or in a NumPy-only helper.
        """),
        solution("lstm_step_forward", '''
        def lstm_step_forward(x, h_prev, c_prev, p):
            """One LSTM step in PyTorch's convention (gate order i, f, g, o).

            Inputs:
            - x: (N, D), the inputs of this step.
            - h_prev: (N, H), the previous hidden states.
            - c_prev: (N, H), the previous cell states.
            - p: dict of parameters, PyTorch's layout: "weight_ih" (4H, D), "weight_hh" (4H, H),
              "bias_ih" (4H,), "bias_hh" (4H,), the gates stacked i, f, g, o.

            Returns a tuple (h_next, c_next, cache):
            - h_next: (N, H), the next hidden states.
            - c_next: (N, H), the next cell states.
            - cache: what lstm_step_backward needs to compute the gradients (your choice).
            """
            ### BEGIN SOLUTION
            def _sigmoid(a):
                return 0.5 * (1 + np.tanh(0.5 * a))  # = 1 / (1 + e^{-a}), and never overflows

            a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]  # (N, 4H)
            ai, af, ag, ao = np.split(a, 4, axis=1)  # PyTorch's order i, f, g, o; each (N, H)
            i, f, g, o = _sigmoid(ai), _sigmoid(af), np.tanh(ag), _sigmoid(ao)
            c_next = f * c_prev + i * g
            tc = np.tanh(c_next)
            h_next = o * tc
            return h_next, c_next, dict(x=x, h_prev=h_prev, c_prev=c_prev, p=p, i=i, f=f, g=g, o=o, tc=tc)
            ### END SOLUTION
        '''),
        test("lstm_step_forward", 2),

        md(r"""
        ## 2. One step backward

        The step receives two upstream gradients, $\bar h' = \partial L / \partial h'$
        (`dh_next`) and $\bar c' = \partial L / \partial c'$ (`dc_next`, from the next step's
        cell state). $c'$ reaches $L$ directly and through $h'$, so its total gradient is

        $$
        \bar c = \bar c' + \bar h' \odot o \odot \left(1 - \tanh^2(c')\right),
        $$

        and from there

        $$
        \frac{\partial L}{\partial o} = \bar h' \odot \tanh(c'), \quad
        \frac{\partial L}{\partial i} = \bar c \odot g, \quad
        \frac{\partial L}{\partial f} = \bar c \odot c, \quad
        \frac{\partial L}{\partial g} = \bar c \odot i, \quad
        \frac{\partial L}{\partial c} = \bar c \odot f .
        $$

        Multiply by $\sigma' = \sigma(1 - \sigma)$ or $\tanh' = 1 - g^2$ to reach the four
        pre-activations, stack them in the order $i, f, g, o$ as one $(N, 4H)$ array $\delta$,
        and the rest is as for the RNN: $\partial L / \partial x = \delta W_{ih}$,
        $\partial L / \partial h = \delta W_{hh}$, $\partial L / \partial W_{ih} = \delta^\top x$, ...
        """),
        solution("lstm_step_backward", '''
        def lstm_step_backward(dh_next, dc_next, cache):
            """Backward pass of lstm_step_forward.

            Inputs:
            - dh_next: (N, H), the upstream gradient dL/dh_next.
            - dc_next: (N, H), the upstream gradient dL/dc_next.
            - cache: what lstm_step_forward returned.

            Returns a tuple (dx, dh_prev, dc_prev, grads):
            - dx: (N, D), dL/dx.
            - dh_prev: (N, H), dL/dh_prev.
            - dc_prev: (N, H), dL/dc_prev.
            - grads: dict with the keys of p, each dL/dp[key] with the shape of p[key].
            """
            ### BEGIN SOLUTION
            c = cache
            do = dh_next * c["tc"]
            dc = dc_next + dh_next * c["o"] * (1 - c["tc"] ** 2)  # c_next reaches L directly and through h_next
            di, df, dg = dc * c["g"], dc * c["c_prev"], dc * c["i"]
            dc_prev = dc * c["f"]  # the additive path: only the forget gate scales it
            da = np.concatenate([di * c["i"] * (1 - c["i"]), df * c["f"] * (1 - c["f"]),
                                 dg * (1 - c["g"] ** 2), do * c["o"] * (1 - c["o"])], axis=1)  # (N, 4H)
            p = c["p"]
            grads = {"weight_ih": da.T @ c["x"], "weight_hh": da.T @ c["h_prev"],
                     "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
            return da @ p["weight_ih"], da @ p["weight_hh"], dc_prev, grads
            ### END SOLUTION
        '''),
        code("""
        # Check your gradients against finite differences (ungraded). check_gradients compares the
        # gradient of sum(dout * f(...)); with f returning [h_next, c_next] side by side and dout
        # [dh_next, dc_next], that is exactly the loss whose upstream gradients you passed.
        rng = np.random.default_rng(0)
        N, D, H = 3, 4, 5
        x, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
        dh_next, dc_next = rng.normal(size=(N, H)), rng.normal(size=(N, H))
        p = init_params("lstm", D, H, seed=0)

        h_next, c_next, cache = lstm_step_forward(x, h_prev, c_prev, p)
        dx, dh_prev, dc_prev, grads = lstm_step_backward(dh_next, dc_next, cache)
        errors = check_gradients(
            lambda x, h_prev, c_prev, **p: np.concatenate(lstm_step_forward(x, h_prev, c_prev, p)[:2], axis=1),
            {"x": x, "h_prev": h_prev, "c_prev": c_prev, **p},
            {"x": dx, "h_prev": dh_prev, "c_prev": dc_prev, **grads},
            np.concatenate([dh_next, dc_next], axis=1))  # (N, 2H)
        print({k: f"{e:.1e}" for k, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("lstm_step_backward", 3, "lstm_step_forward"),

        md(r"""
        ## 3. A sequence forward

        Unroll `lstm_step_forward` over the time axis of `xs`, $(N, T, D)$, from `h0` and `c0`,
        $(N, H)$ each, with the same parameters at every step. Return the hidden states
        $h_1, \dots, h_T$ as `hs`, $(N, T, H)$ (the cell states are internal: they are not
        returned), and what `lstm_backward` needs.
        """),
        solution("lstm_forward", '''
        def lstm_forward(xs, h0, c0, p):
            """The LSTM over a whole sequence.

            Inputs:
            - xs: (N, T, D), the inputs, batch-first.
            - h0: (N, H), the initial hidden states.
            - c0: (N, H), the initial cell states.
            - p: dict of parameters, as in lstm_step_forward.

            Returns a tuple (hs, cache):
            - hs: (N, T, H), the hidden states h_1 .. h_T; hs[:, t] follows xs[:, t].
            - cache: what lstm_backward needs (your choice).
            """
            ### BEGIN SOLUTION
            h, c, hs, caches = h0, c0, [], []
            for t in range(xs.shape[1]):
                h, c, step_cache = lstm_step_forward(xs[:, t], h, c, p)
                hs.append(h)
                caches.append(step_cache)
            return np.stack(hs, axis=1), caches  # (N, T, H), one step cache per time step
            ### END SOLUTION
        '''),
        test("lstm_forward", 2),

        md(r"""
        ## 4. A sequence backward

        `dhs`, $(N, T, H)$, is the upstream gradient on every hidden state; no loss reads the
        cell states directly. From $t = T$ down to $1$, step $t$ receives

        - on $h_t$: `dhs[:, t]` plus the $\partial L / \partial h_t$ that flows back from step $t + 1$;
        - on $c_t$: only the $\partial L / \partial c_t$ that flows back from step $t + 1$ (zero for $t = T$).

        Return what flows out of step 1 as `dh0` and `dc0`, and the parameter gradients summed
        over the steps.
        """),
        solution("lstm_backward", '''
        def lstm_backward(dhs, cache):
            """Backpropagation through time for lstm_forward.

            Inputs:
            - dhs: (N, T, H), the upstream gradients dL/dh_t on every hidden state.
            - cache: what lstm_forward returned.

            Returns a tuple (dxs, dh0, dc0, grads):
            - dxs: (N, T, D), dL/dxs.
            - dh0: (N, H), dL/dh0.
            - dc0: (N, H), dL/dc0.
            - grads: dict with the keys of p, each dL/dp[key] summed over all time steps.
            """
            ### BEGIN SOLUTION
            dh, dc = np.zeros_like(dhs[:, 0]), np.zeros_like(dhs[:, 0])  # what flows back from step t + 1
            dxs = [None] * len(cache)
            grads = {k: np.zeros_like(v) for k, v in cache[0]["p"].items()}
            for t in reversed(range(len(cache))):
                dxs[t], dh, dc, g = lstm_step_backward(dhs[:, t] + dh, dc, cache[t])
                for k in grads:
                    grads[k] += g[k]  # the parameters are shared: one contribution per step
            return np.stack(dxs, axis=1), dh, dc, grads  # dxs: (N, T, D)
            ### END SOLUTION
        '''),
        code("""
        # Check BPTT through the LSTM against finite differences (ungraded).
        rng = np.random.default_rng(2)
        N, T, D, H = 2, 4, 3, 5
        xs, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
        dhs = rng.normal(size=(N, T, H))
        p = init_params("lstm", D, H, seed=2)

        hs, cache = lstm_forward(xs, h0, c0, p)
        dxs, dh0, dc0, grads = lstm_backward(dhs, cache)
        errors = check_gradients(lambda xs, h0, c0, **p: lstm_forward(xs, h0, c0, p)[0],
                                 {"xs": xs, "h0": h0, "c0": c0, **p},
                                 {"xs": dxs, "h0": dh0, "c0": dc0, **grads}, dhs)
        print({k: f"{e:.1e}" for k, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("lstm_backward", 3, "lstm_forward"),

        md("""
        ### Try it: the forget gate and long-range gradients

        A gradient placed on the last hidden state only, $h_T$, travels back to $c_0$ along the
        cell state, multiplied by $f$ at every step. Below, the norm of `dc0` for $T = 40$ as
        the forget gate's bias grows (its block is the second $H$ entries of `bias_ih`).
        Ungraded.
        """),
        code("""
        rng = np.random.default_rng(0)
        N, T, D, H = 4, 40, 3, 8
        xs, h0, c0 = rng.normal(size=(N, T, D)), np.zeros((N, H)), np.zeros((N, H))
        dhs = np.zeros((N, T, H))
        dhs[:, -1] = rng.normal(size=(N, H))  # a loss on h_T only
        for bias in (0.0, 1.0, 3.0):
            p = init_params("lstm", D, H, seed=0)
            p["bias_ih"][H:2 * H] += bias  # gate order i, f, g, o: the f block
            hs, cache = lstm_forward(xs, h0, c0, p)
            dc0 = lstm_backward(dhs, cache)[2]
            print(f"forget bias +{bias}: |dL/dc_0| = {np.linalg.norm(dc0):.1e}")
        """),

        *written(r"""
        ## Written question (1 point, graded by hand)

        Many implementations initialise the forget gate's bias to 1 (or more) instead of 0.
        Explain in two to four sentences why this helps early in training.
        """, r"""
        At initialisation the pre-activations are near 0, so with a zero bias
        $f = \sigma(0) \approx 0.5$: the cell state loses about half of its content at every
        step, and the gradient along the cell state, $\partial L / \partial c_{t-1} =
        \bar c_t \odot f$, shrinks by about $0.5^k$ over $k$ steps, so long-range dependencies
        give almost no learning signal. A bias of 1 gives $f = \sigma(1) \approx 0.73$ (more for
        larger biases), so the cell remembers and the gradient survives many more steps from the
        start, before the network has learned when to forget (Gers et al. 2000; Jozefowicz et
        al. 2015). With PyTorch's two biases, it is the sum $b_{if} + b_{hf}$ that counts.
        """),
    ]


# ============================================================================================
# 05_attention
# ============================================================================================

def attention():
    return [
        intro("05_attention", "scaled dot-product attention", """
        You implement the scaled dot-product attention of {link} in NumPy: a stable softmax
        (chapter 2, section *Numerically stable sigmoid and softmax*), the attention forward pass with an optional mask (sections
        *Scaled dot-product attention* and *Masks: padding and causality*) and its backward pass
        (section *The backward pass*).
        """, "softmax 2, attention_forward 3, attention_backward 3"),
        setup(),

        md(r"""
        ## 1. A numerically stable softmax

        $$
        \operatorname{softmax}(s)_j = \frac{e^{s_j}}{\sum_k e^{s_k}} = \frac{e^{s_j - m}}{\sum_k e^{s_k - m}}
        \quad \text{for any constant } m,
        $$

        taken along `axis` (any axis, of an array of any shape). With $m = \max_k s_k$ every
        exponent is at most 0, so nothing overflows; the test uses scores of size several
        hundred and fails on any overflow warning. Return a new array with the shape of
        `scores`, summing to 1 along `axis`.
        """),
        solution("softmax", '''
        def softmax(scores, axis=-1):
            """Softmax of scores along axis, stable for any finite input.

            Inputs:
            - scores: array of any shape, float64.
            - axis: int, the axis along which the outputs sum to 1.

            Returns:
            - out: array of the shape of scores, exp(scores) normalised along axis.
            """
            ### BEGIN SOLUTION
            e = np.exp(scores - scores.max(axis=axis, keepdims=True))  # exponents <= 0: no overflow
            return e / e.sum(axis=axis, keepdims=True)
            ### END SOLUTION
        '''),
        test("softmax", 2),

        md(r"""
        ## 2. Attention forward

        Queries $Q$ $(N, T_q, d)$, keys $K$ $(N, T_k, d)$ and values $V$ $(N, T_k, d_v)$, one
        batch element per leading index:

        $$
        S = \frac{Q K^\top}{\sqrt d} \ (N, T_q, T_k), \qquad
        A = \operatorname{softmax}(S) \text{ over the keys (last axis)}, \qquad
        \text{out} = A V \ (N, T_q, d_v).
        $$

        `mask`, if given, is boolean and broadcastable to $(N, T_q, T_k)$ (for example a
        causal $(T_q, T_k)$ mask or a padding mask $(N, 1, T_k)$), with `True` = "may
        attend", as in `torch.nn.functional.scaled_dot_product_attention`. Where it is
        `False`, the score is set to $-\infty$ (or a huge negative number such as `-1e30`)
        *before* the softmax, so that weight is exactly 0 and each query's weights still sum
        to 1. Every query may attend to at least one key. You
        may call your `softmax`.
        """),
        solution("attention_forward", '''
        def attention_forward(q, k, v, mask=None):
            """Scaled dot-product attention, out = softmax(q k^T / sqrt(d)) v, with an optional mask.

            Inputs:
            - q: (N, Tq, d), the queries.
            - k: (N, Tk, d), the keys.
            - v: (N, Tk, dv), the values.
            - mask: None, or a boolean array broadcastable to (N, Tq, Tk); True = may attend.

            Returns a tuple (out, cache):
            - out: (N, Tq, dv), the attention outputs.
            - cache: what attention_backward needs to compute the gradients (your choice).
            """
            ### BEGIN SOLUTION
            d = q.shape[-1]
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)  # (N, Tq, Tk)
            if mask is not None:
                scores = np.where(mask, scores, -1e30)  # e^{-1e30 - max} = 0: a masked key gets weight 0
            A = softmax(scores, axis=-1)  # (N, Tq, Tk)
            return A @ v, {"q": q, "k": k, "v": v, "A": A}
            ### END SOLUTION
        '''),
        test("attention_forward", 3),

        md(r"""
        ## 3. Attention backward

        Given `dout` $= \partial L / \partial \text{out}$, $(N, T_q, d_v)$, go back through the
        three operations (each batch element separately; $\bar X$ is $\partial L / \partial X$):

        $$
        \bar V = A^\top \bar{\text{out}}, \qquad \bar A = \bar{\text{out}}\, V^\top, \qquad
        \bar S = A \odot \left(\bar A - \textstyle\sum_k A \odot \bar A\right), \qquad
        \bar Q = \frac{\bar S K}{\sqrt d}, \qquad \bar K = \frac{\bar S^\top Q}{\sqrt d}.
        $$

        The sum in the softmax backward is over the keys, one value per query (keep the axis
        to broadcast). Masked entries need no special case: their $A$ is 0, so their
        $\bar S$ is 0. The shapes of $\bar Q, \bar K, \bar V$ are those of $Q, K, V$.
        """),
        solution("attention_backward", '''
        def attention_backward(dout, cache):
            """Backward pass of attention_forward.

            Inputs:
            - dout: (N, Tq, dv), the upstream gradient dL/dout.
            - cache: what attention_forward returned.

            Returns a tuple (dq, dk, dv):
            - dq: (N, Tq, d), dL/dq.
            - dk: (N, Tk, d), dL/dk.
            - dv: (N, Tk, dv), dL/dv.
            """
            ### BEGIN SOLUTION
            q, k, v, A = cache["q"], cache["k"], cache["v"], cache["A"]
            dA = dout @ v.transpose(0, 2, 1)                      # (N, Tq, Tk)
            dv = A.transpose(0, 2, 1) @ dout                      # (N, Tk, dv)
            dS = A * (dA - (A * dA).sum(axis=-1, keepdims=True)) / np.sqrt(q.shape[-1])  # (N, Tq, Tk)
            return dS @ k, dS.transpose(0, 2, 1) @ q, dv
            ### END SOLUTION
        '''),
        code("""
        # Check your gradients against finite differences, with a causal mask (ungraded).
        rng = np.random.default_rng(0)
        N, Tq, Tk, d, d_v = 2, 4, 4, 3, 5
        q, k, v = rng.normal(size=(N, Tq, d)), rng.normal(size=(N, Tk, d)), rng.normal(size=(N, Tk, d_v))
        dout = rng.normal(size=(N, Tq, d_v))
        causal = np.tril(np.ones((Tq, Tk), dtype=bool))  # query t may attend to keys 0..t

        out, cache = attention_forward(q, k, v, causal)
        dq, dk, dv = attention_backward(dout, cache)
        errors = check_gradients(lambda q, k, v: attention_forward(q, k, v, causal)[0],
                                 {"q": q, "k": k, "v": v}, {"q": dq, "k": dk, "v": dv}, dout)
        print({name: f"{e:.1e}" for name, e in errors.items()})  # about 1e-7 or less: right; 1e-2 or more: a bug
        """),
        test("attention_backward", 3, "attention_forward"),

        md("""
        ### Try it: seeing the weights

        With the identity as values, `v = I`, the output of attention *is* its weight matrix $A$.
        Below, the weights of a causal mask: row $t$ is query $t$, spread over keys $0..t$ only.
        Ungraded; try a padding mask, or scale `q` up and watch the rows become one-hot.
        """),
        code("""
        rng = np.random.default_rng(1)
        T, d = 5, 4
        q, k = rng.normal(size=(1, T, d)), rng.normal(size=(1, T, d))
        A, _ = attention_forward(q, k, np.eye(T)[None], np.tril(np.ones((T, T), dtype=bool)))
        print(np.round(A[0], 2))
        print("rows sum to", A[0].sum(axis=1))
        """),

        *written(r"""
        ## Written question (1 point, graded by hand)

        Why are the scores divided by $\sqrt d$? Answer in two to four sentences, saying what
        would happen to the softmax and to its gradients without the scaling when $d$ is large.
        """, r"""
        If the components of a query and a key are independent with mean 0 and variance 1, their
        dot product $q \cdot k = \sum_{j=1}^{d} q_j k_j$ has mean 0 and variance $d$, so the
        scores spread as $\sqrt d$ grows. Large score differences push the softmax towards a
        one-hot vector: almost all weight on one key, and the softmax's Jacobian
        $\operatorname{diag}(a) - a a^\top$ then has entries near 0, so the gradients reaching
        $Q$ and $K$ vanish and learning stalls. Dividing by $\sqrt d$ brings the variance of the
        scores back to 1 whatever $d$ is, so the softmax stays in its sensitive range (Vaswani et
        al. 2017).
        """),
    ]


NOTEBOOKS = {"01_rnn": rnn, "02_vanishing_gradients": vanishing, "03_gru": gru, "04_lstm": lstm,
             "05_attention": attention}


if __name__ == "__main__":
    ids = sys.argv[1:] or list(NOTEBOOKS)
    unknown = sorted(set(ids) - set(NOTEBOOKS))
    if unknown:
        sys.exit(f"unknown notebook id(s) {unknown}; choose from {list(NOTEBOOKS)}")
    for nb_id in ids:
        print(build(nb_id).relative_to(ROOT))
