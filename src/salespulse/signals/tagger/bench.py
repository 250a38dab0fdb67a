"""Tagging throughput: messages per second on one core, rules and model as configured.

    python -m salespulse.signals.tagger.bench 20000

``make bench`` imports ``measure_tagging_throughput`` from here.
"""

from __future__ import annotations

import sys
import time

from salespulse.signals.tagger import tag_text
from salespulse.signals.tagger.config import TaggerConfig, shipped_config
from salespulse.signals.tagger.evaluation import DEFAULT_TAGS, load_examples
from salespulse.signals.tagger.normalize import normalize
from salespulse.signals.tagger.statistical import fit_model


def measure_tagging_throughput(n: int = 20000, *, with_model: bool = False) -> dict[str, float | int]:
    """Tag ``n`` messages (the development set, repeated) in this process, on one core,
    and return wall-clock and CPU figures. ``messages_per_second`` uses the process CPU
    time, so other load on a shared machine does not lower it; ``wall_messages_per_second``
    is the elapsed-time figure. The first pass over the set warms the caches and is not
    timed. ``with_model`` adds a character n-gram model trained on the development set
    (otherwise the configuration in use applies, which has a model only when one was
    trained)."""
    examples = load_examples()
    config = None
    if with_model:
        base = shipped_config()
        model = fit_model([normalize(e.text).text for e in examples], [sorted(e.tags) for e in examples], DEFAULT_TAGS)
        config = TaggerConfig(competitors=base.competitors, extra=base.extra, model=model)
    for example in examples:
        tag_text(example.text, channel=example.channel, speaker=example.speaker, config=config)
    started, cpu_started = time.perf_counter(), time.process_time()
    for index in range(n):
        example = examples[index % len(examples)]
        tag_text(example.text, channel=example.channel, speaker=example.speaker, config=config)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "messages": n,
        "cpu_seconds": round(cpu_seconds, 3),
        "messages_per_second": round(n / cpu_seconds, 1),
        "wall_messages_per_second": round(n / seconds, 1),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    print("rules:", measure_tagging_throughput(count))
    print("rules + model:", measure_tagging_throughput(count, with_model=True))
