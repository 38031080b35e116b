"""What it earns: one workload billed under many schemes, the way providers bill.

Schemes (one module per family; a new billing rule goes in its family's module):

- ``defaults``: every scheme parameter's default (``data/prices/schemes.yaml``).
- ``base``: the ``Scheme`` base class and the deployment's ``CostContext``.
- ``token_schemes``: flat, cached input (cache reads and write tiers), long-context tier, batch discount.
- ``allowance_schemes``: subscriptions (fee, allowance per window, overage or hard cap).
- ``usage_schemes``: compute time, activated parameters.
- ``tier_schemes``: capability tier, and the hybrid subscription + tier overage.
- ``windows``: calendar months, allowance windows and their consumption in time order.
- ``schemes``: the registry (``SCHEMES``, ``make_scheme``, ``list_schemes``, ``default_schemes``).

Billing:

- ``costers``: the cost to serve each request (linear, or the engine).
- ``chunks``: the kernel that prices a chunk of requests under every scheme and adds up totals.
- ``report``: ``SchemeResult`` and ``PricingReport``.
- ``breakeven``: the flat price for zero (or a target) margin.
- ``billing``: ``bill()`` for an in-memory workload (and the public names of all of the above).
- ``sessions``: N-turn agent sessions, with and without prefix caching.
- ``prices``: dated provider list prices (``data/prices/providers.yaml``) and a LiteLLM importer.
- ``scale``: streaming and Dask billing of logs too large for memory.
"""
