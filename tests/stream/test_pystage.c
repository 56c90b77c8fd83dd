// SPDX-License-Identifier: GPL-2.0
/* The merge of Python frames into native stacks: each eval loop frame takes its call's frames. */
#include <criterion/criterion.h>
#include <string.h>

#include "model/stacks.h"
#include "stream/pystage.h"

#define EVAL 0x1000 /* _PyEval_EvalFrameDefault: [0x1000, 0x2000) */
#define EVAL_END 0x2000

/* Python frames, innermost first; entry marks the outermost of each eval call. */
static void py_set(struct gp_py_stack *py, const uint64_t *code, const bool *entry, uint32_t n)
{
	uint32_t i;

	memset(py, 0, sizeof(*py));
	py->nframes = n;
	for (i = 0; i < n; i++) {
		py->frames[i].code = code[i];
		py->frames[i].instr = 2 * i;
		py->frames[i].flags = entry[i] ? GP_PYF_ENTRY : 0;
	}
}

static uint32_t merge(const uint64_t *native, uint32_t nn, const struct gp_py_stack *py,
		      uint64_t *out, uint32_t max)
{
	uint64_t pyf[GP_PY_FRAMES_MAX];
	uint32_t i;

	for (i = 0; i < py->nframes; i++)
		pyf[i] = stack_pyframe(py->frames[i].code, py->frames[i].instr);
	return pystage_merge(native, nn, EVAL, EVAL_END, py, pyf, out, max);
}

#define PY(i) stack_pyframe(code[i], 2 * (i))

/* take_gil <- eval(hot_loop, worker) <- vectorcall <- eval(run, _bootstrap) <- start_thread */
Test(pystage, two_eval_calls)
{
	static const uint64_t code[] = {0x7000, 0x7100, 0x7200, 0x7300};
	static const bool entry[] = {false, true, false, true};
	const uint64_t native[] = {0x500, 0x1234 + 1, 0x3000, 0x1800 + 1, 0x4000};
	struct gp_py_stack py;
	uint64_t out[16];
	uint32_t n;

	py_set(&py, code, entry, 4);
	n = merge(native, 5, &py, out, 16);
	cr_assert_eq(n, 7);
	cr_assert_eq(out[0], 0x500);
	cr_assert_eq(out[1], PY(0));
	cr_assert_eq(out[2], PY(1));
	cr_assert_eq(out[3], 0x3000);
	cr_assert_eq(out[4], PY(2));
	cr_assert_eq(out[5], PY(3));
	cr_assert_eq(out[6], 0x4000);
	cr_assert(stack_is_pyframe(out[1]));
	cr_assert_not(stack_is_pyframe(out[0]));
	cr_assert_eq(stack_pyframe_code(out[2]), 0x7100);
	cr_assert_eq(stack_pyframe_instr(out[2]), 2);
}

/* The ip itself in the eval loop (a sample in the interpreter): no byte back. */
Test(pystage, innermost_is_the_eval_loop)
{
	static const uint64_t code[] = {0x7000};
	static const bool entry[] = {true};
	const uint64_t native[] = {EVAL, 0x4000};
	struct gp_py_stack py;
	uint64_t out[8];

	py_set(&py, code, entry, 1);
	cr_assert_eq(merge(native, 2, &py, out, 8), 2);
	cr_assert_eq(out[0], PY(0));
	cr_assert_eq(out[1], 0x4000);
	/* a return address just past the eval loop is still inside its call */
	{
		const uint64_t ret[] = {0x500, EVAL_END, 0x4000};

		cr_assert_eq(merge(ret, 3, &py, out, 8), 3);
		cr_assert_eq(out[1], PY(0));
	}
}

/* A native unwind cut short: the Python frames left go outermost, in order. */
Test(pystage, native_cut_short)
{
	static const uint64_t code[] = {0x7000, 0x7100, 0x7200};
	static const bool entry[] = {true, false, true};
	const uint64_t native[] = {0x500, 0x1100};
	struct gp_py_stack py;
	uint64_t out[8];

	py_set(&py, code, entry, 3);
	cr_assert_eq(merge(native, 2, &py, out, 8), 4);
	cr_assert_eq(out[1], PY(0));
	cr_assert_eq(out[2], PY(1));
	cr_assert_eq(out[3], PY(2));
	/* no eval loop known at all: every Python frame outermost */
	cr_assert_eq(pystage_merge(native, 2, 0, 0, &py, (uint64_t[]){PY(0), PY(1), PY(2)}, out, 8),
		     5);
	cr_assert_eq(out[0], 0x500);
	cr_assert_eq(out[1], 0x1100);
	cr_assert_eq(out[2], PY(0));
}

/* More eval frames than Python calls (a walk cut at its depth): the rest stay native. */
Test(pystage, python_cut_short)
{
	static const uint64_t code[] = {0x7000};
	static const bool entry[] = {false}; /* its call's outer frames were not read */
	const uint64_t native[] = {0x1100, 0x1200, 0x4000};
	struct gp_py_stack py;
	uint64_t out[8];

	py_set(&py, code, entry, 1);
	cr_assert_eq(merge(native, 3, &py, out, 8), 3);
	cr_assert_eq(out[0], PY(0));
	cr_assert_eq(out[1], 0x1200);
	cr_assert_eq(out[2], 0x4000);
}

/* The output is bounded; no Python frames leaves the stack as it was. */
Test(pystage, bounds)
{
	static const uint64_t code[] = {0x7000, 0x7100, 0x7200};
	static const bool entry[] = {false, false, true};
	const uint64_t native[] = {0x500, 0x1100, 0x4000};
	struct gp_py_stack py;
	uint64_t out[8];

	py_set(&py, code, entry, 3);
	cr_assert_eq(merge(native, 3, &py, out, 3), 3);
	cr_assert_eq(out[2], PY(1));
	py.nframes = 0;
	cr_assert_eq(merge(native, 3, &py, out, 8), 3);
	cr_assert_eq(memcmp(out, native, sizeof(native)), 0);
}

/* A packed frame is told from every user and kernel address, and round-trips. */
Test(pystage, packing)
{
	uint64_t f = stack_pyframe(0x7fffabcdeff8ull, 2 * 262143);

	cr_assert(stack_is_pyframe(f));
	cr_assert_eq(stack_pyframe_code(f), 0x7fffabcdeff8ull);
	cr_assert_eq(stack_pyframe_instr(f), 2 * 262143);
	cr_assert_not(stack_is_pyframe(0x7fffffffe000ull));
	cr_assert_not(stack_is_pyframe(0x00ffffffffffffffull)); /* 5-level user space */
	cr_assert_not(stack_is_pyframe(0xffffffff81000000ull));
	cr_assert(stack_pyframe_fits(0x7fffabcdeff8ull, 2 * 262143));
	cr_assert_not(stack_pyframe_fits(0x7fffabcdeff8ull, 2 * 262144));
	cr_assert_not(stack_pyframe_fits(0x800000000000ull, 0));
	cr_assert_not(stack_pyframe_fits(0x7004, 0));
}
