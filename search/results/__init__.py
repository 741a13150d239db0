"""``make results``: the studies behind flowad's claims, regenerated from generated data into docs/results.md.

Each study is a module (teachers, students, distillation, samplers, firmware) that runs units of real work
through the product's own code, keeps every unit's numbers in the cache (``<cache>/results/``, one JSON per unit,
keyed by its config) and renders its tables; :mod:`search.results.report` writes the page and its figures.
Numbers are test-split claims unless a column says ``val``; ± is the standard deviation over seeds.
"""
