"""Sync through git: the sync folder is (inside) a git working copy; reader commits only its own
files, pulls with rebase (never a conflict: no two machines write the same file) and pushes.

Errors come back as one line (`SyncError`): no remote, authentication needed, offline. The
commits are local first, so a failed pull or push loses nothing: the next `reader sync` retries.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from reader.sync.engine import SyncError

GIT_TIMEOUT = 120.0


class Git:
    """The git working copy that holds the sync folder."""

    def __init__(self, folder: Path, top: Path) -> None:
        self.folder = folder
        self.top = top

    @classmethod
    def find(cls, folder: Path) -> Git | None:
        """The working copy around `folder`, or None when it is not in one (or git is missing)."""
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            done = _run(["git", "rev-parse", "--show-toplevel"], probe, check=False)
        except SyncError:
            return None
        if done.returncode != 0:
            return None
        return cls(folder, Path(done.stdout.strip()))

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run(["git", *args], self.top, check=check)

    def commit(self, source: str, message: str) -> bool:
        """Commit our own files in the sync folder (additions and deletions); False: nothing to commit."""
        rel = self.folder.relative_to(self.top) if self.folder != self.top else Path(".")
        pattern = f":(glob){(rel / source).as_posix()}.*"
        if rel == Path("."):
            pattern = f":(glob){source}.*"
        added = self.git("add", "-A", "--", pattern, check=False)
        if added.returncode != 0:
            if "did not match any files" in added.stderr:
                return False  # nothing of ours here yet
            lines = added.stderr.strip().splitlines() or ["unknown error"]
            raise SyncError(f"git add failed in {self.top}: {lines[-1]}")
        staged = self.git("diff", "--cached", "--quiet", "--", pattern, check=False)
        if staged.returncode == 0:
            return False
        self.git("commit", "-q", "-m", message, "--", pattern)
        return True

    def _upstream(self) -> tuple[str, str]:
        """The remote and branch to pull from and push to."""
        branch = self.git("symbolic-ref", "--short", "-q", "HEAD", check=False).stdout.strip()
        if not branch:
            raise SyncError(f"the git working copy {self.top} is not on a branch (detached HEAD); check out a branch")
        remote = self.git("config", f"branch.{branch}.remote", check=False).stdout.strip()
        if not remote:
            remotes = self.git("remote").stdout.split()
            if not remotes:
                raise SyncError(
                    f"the git working copy {self.top} has no remote to sync with; add one "
                    "(git remote add origin URL); your changes are committed locally"
                )
            remote = "origin" if "origin" in remotes else remotes[0]
        return remote, branch

    def pull(self) -> None:
        remote, branch = self._upstream()
        heads = self.git("ls-remote", "--heads", remote, branch, check=False)
        if heads.returncode != 0:
            raise SyncError(_explain(heads.stderr, remote))
        if not heads.stdout.strip():
            return  # the remote has no such branch yet: the push makes it
        done = self.git("pull", "-q", "--rebase", "--autostash", remote, branch, check=False)
        if done.returncode != 0:
            raise SyncError(_explain(done.stderr, remote))

    def push(self) -> None:
        remote, branch = self._upstream()
        done = self.git("push", "-q", "-u", remote, f"HEAD:refs/heads/{branch}", check=False)
        if done.returncode != 0:
            raise SyncError(_explain(done.stderr, remote))


def _explain(stderr: str, remote: str) -> str:
    """One line for what git said went wrong."""
    text = stderr.lower()
    if any(
        s in text
        for s in ("authentication failed", "permission denied", "could not read username", "terminal prompts disabled")
    ):
        problem = f"git needs authentication for remote {remote!r} (set up an SSH key or a credential helper)"
    elif any(
        s in text for s in ("could not resolve host", "network is unreachable", "connection refused", "timed out")
    ):
        problem = f"cannot reach git remote {remote!r} (offline?)"
    elif "does not appear to be a git repository" in text or "not found" in text:
        problem = f"git remote {remote!r} is not a reachable repository"
    elif "rejected" in text:
        problem = f"git remote {remote!r} rejected the push (run reader sync again to pull first)"
    else:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        problem = f"git failed: {lines[-1] if lines else 'unknown error'}"
    return f"{problem}; your changes are saved and committed locally, run reader sync again later"


def _run(args: list[str], cwd: Path, *, check: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    try:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise SyncError("git is not installed; cannot sync through a git working copy") from None
    except subprocess.TimeoutExpired:
        raise SyncError(f"git took longer than {GIT_TIMEOUT:.0f} s (offline?); run reader sync again later") from None
    if check and done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        raise SyncError(f"git {args[1]} failed in {cwd}: {lines[-1] if lines else 'unknown error'}")
    return done
