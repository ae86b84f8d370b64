"""`reseller-desktop bench`: a big seller's data, generated with COPY, and the figures that say
whether the app is fast enough on it, each beside its target and the raw limit it is compared with.

figures: one measured figure and how it is printed and saved; context: the database and dataset a
run shares; dataset: the generator; the other modules measure one area each; runner: the run.
"""

# Area name → module with `figures(ctx) -> Iterator[Figure]`, in the order they run. Areas that
# change data (mark sold, import, publish) come after the ones that only read it.
AREAS: dict[str, str] = {
    "listings": "reseller_desktop.bench.listing_view",
    "lookups": "reseller_desktop.bench.lookups",
    "cards": "reseller_desktop.bench.cards",
    "photos": "reseller_desktop.bench.photos",
    "start": "reseller_desktop.bench.startup",
    "memory": "reseller_desktop.bench.memory",
    "import": "reseller_desktop.bench.csv_import",
    "sync": "reseller_desktop.bench.sync",
}
