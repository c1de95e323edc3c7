"""Benchmarks of reader at 1k, 10k and 100k papers: speed and memory against the design targets.

    python -m bench                      # 1k, 10k and 100k (builds cached libraries on first run)
    python -m bench --quick              # 1k only, a few seconds
    python -m bench --sizes 1000,10000 --runs 7

See `bench/__main__.py` for what is measured and how.
"""
