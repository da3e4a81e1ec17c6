"""RelaxNG in teikit: the grammar index and its reductions (:mod:`.grammar`) and the
engine that validates documents against them (:mod:`.relaxng`).

Why a package: the index, the rewriting of grammars, the questions asked of them and
the explanation of errors are separate concepts that used to share two large files.
"""

from teikit.validation.rng.relaxng import RelaxNG

__all__ = ["RelaxNG"]
