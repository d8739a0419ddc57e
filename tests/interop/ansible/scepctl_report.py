# An Ansible callback for tests/interop/test_ansible.sh: writes every task's result and the play's
# stats as JSON to $SCEPCTL_ANSIBLE_REPORT (ansible-core has no json stdout callback; that one is
# in ansible.posix). Enabled with ANSIBLE_CALLBACKS_ENABLED=scepctl_report.
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "scepctl_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = {}

    def _record(self, result, status):
        entry = dict(result._result)
        entry["status"] = status
        entry["changed"] = bool(result._result.get("changed", False))
        self.tasks[result._task.name] = entry  # without the "role : " prefix

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        summary = stats.summarize("localhost")
        with open(os.environ["SCEPCTL_ANSIBLE_REPORT"], "w", encoding="utf-8") as f:
            json.dump({"stats": summary, "tasks": self.tasks}, f, default=str)
