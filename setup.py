"""Build hook (the metadata is in pyproject.toml): compile the message catalogues into the
package, so that a plain ``pip install .`` from a clone serves the Swedish interface. The
compiled ``.mo`` files are not kept in git; ``make install`` compiles them for a checkout."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads src/, compiled by `make install`
        for po in Path("src/samverka/locale").glob("*/LC_MESSAGES/*.po"):
            target = Path(self.build_lib) / po.relative_to("src").with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parts[-3])
            with target.open("wb") as out:
                write_mo(out, catalogue)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
