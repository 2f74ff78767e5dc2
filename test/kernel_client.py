#!/usr/bin/env python3
"""Drives a real Jupyter kernel with jupyter_client, as a front-end does.

Reads a JSON session from stdin: {"kernel": "tslab", "cwd": DIR, "steps": [...]}, each step either
{"code": SRC, "timeout": S, "interruptAfter": S} (run a cell; interrupt the kernel after S seconds,
as the stop button does) or {"sleep": S} (wait, still reading what the kernel publishes).
Prints one JSON object: per step the reply status, the cell's stdout, stderr, error messages and
results, the seconds it took, and whether the kernel process is alive; plus everything published
for no step of ours (output of background work).
"""
import json
import queue
import sys
import time

from jupyter_client.manager import KernelManager


def collect(kc, parents, sink, other):
    """Reads the published messages for up to 0.1 s; files them under their cell or `other`."""
    try:
        msg = kc.get_iopub_msg(timeout=0.1)
    except queue.Empty:
        return
    parent = msg["parent_header"].get("msg_id")
    target = sink if parent in parents else other
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        target[content["name"]] = target.get(content["name"], "") + content["text"]
    elif kind == "error":
        target.setdefault("errors", []).append({"ename": content["ename"], "evalue": content["evalue"], "traceback": content["traceback"]})
    elif kind in ("execute_result", "display_data"):
        target.setdefault("results", []).append(content["data"].get("text/plain", ""))
    elif kind == "execute_input":
        target["executionCount"] = content.get("execution_count")
    elif kind == "status" and parent in parents:
        target["idle"] = content["execution_state"] == "idle"


def run_cell(km, kc, step, other):
    # tslab drops requests that arrive within 200 ms of a failed cell (its execute queue reset);
    # a person does not type that fast either.
    end = time.time() + 0.3
    while time.time() < end:
        collect(kc, set(), {}, other)
    msg_id = kc.execute(step["code"])
    out = {"stdout": "", "stderr": "", "status": None}
    start = time.time()
    deadline = start + step.get("timeout", 120)
    interrupt_after = step.get("interruptAfter")
    while True:
        now = time.time()
        if now > deadline:
            out["status"] = "timeout"
            break
        if interrupt_after is not None and "interruptedAt" not in out and now - start >= interrupt_after:
            km.interrupt_kernel()
            out["interruptedAt"] = now - start
        collect(kc, {msg_id}, out, other)
        if out["status"] is None:
            try:
                reply = kc.get_shell_msg(timeout=0.01)
                if reply["parent_header"].get("msg_id") == msg_id:
                    out["status"] = reply["content"]["status"]
                    out["replyAt"] = time.time() - start
            except queue.Empty:
                pass
        if out["status"] is not None and out.get("idle"):
            break
    out["seconds"] = time.time() - start
    out["alive"] = km.is_alive()
    return out


def main():
    session = json.load(sys.stdin)
    km = KernelManager(kernel_name=session.get("kernel", "tslab"))
    km.start_kernel(cwd=session["cwd"])
    kc = km.client()
    kc.start_channels()
    results, other = [], {"stdout": "", "stderr": ""}
    try:
        kc.wait_for_ready(timeout=120)
        for step in session["steps"]:
            if "sleep" in step:
                end = time.time() + step["sleep"]
                while time.time() < end:
                    collect(kc, set(), {}, other)
                results.append({"slept": step["sleep"], "alive": km.is_alive()})
            else:
                results.append(run_cell(km, kc, step, other))
            if not km.is_alive():
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    json.dump({"steps": results, "other": other}, sys.stdout)


if __name__ == "__main__":
    main()
