"""The contract code generator: ``schemas/*.avsc`` -> Python records, CQL DDL, Spark StructTypes.

Pipeline: :mod:`codegen.parse` turns every schema file into the validated model of
:mod:`codegen.model`; pure render functions (:mod:`codegen.render_python`, :mod:`codegen.cql`,
:mod:`codegen.render_spark`) turn the model into text using the one type table in
:mod:`codegen.typemap`; :mod:`codegen.generate` collects the files and writes or checks them.
"""
