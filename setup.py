"""What goes into the package. Metadata and dependencies are in setup.cfg.

The presets live at the top of the repository, in configs/, and are installed inside the
package as charrnn/configs/*.toml, so `charrnn train --config NAME` finds them from a wheel
as from a checkout; one copy of each preset, mapped at build time.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["charrnn", "charrnn.*"]) + ["charrnn.configs"],
    package_dir={"charrnn.configs": "configs"},
    # The tune report's page: abcjs (vendored from npm, with its MIT licence), style, script;
    # the shipped models (charrnn.run.models), made by configs/folk.toml and `charrnn export`.
    package_data={"charrnn.configs": ["*.toml"], "charrnn.music.report": ["web/*"],
                  "charrnn": ["shipped/*.pt", "shipped/*.md"]},
)
