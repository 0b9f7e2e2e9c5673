"""FHIR R4 → the profile the knowledge base reads. The only package that interprets FHIR.

codes.py         code systems and codes (discovery's prefetch templates use them)
elements.py      typed access to FHIR JSON; bad shapes raise UnreadableResource
notes.py         DataNote, Reading (a value and its notes), UnreadableResource
bundle.py        prefetch values and Bundles → resources; incomplete pages said
patient.py       Patient → age, sex, deceased
observations.py  eGFR, creatinine, weight, serum magnesium, pregnancy status
conditions.py    Conditions → kidney stage, sciatica, red flags, §11 condition tokens
medications.py   medications and magnesium products, draft orders
dosage.py        dose in mg, doses a day, route
units.py         UCUM units (ucumvert) and countable dose forms
mapping.py       map_patient: every reader, one profile
"""

from service.cds_hooks.fhir.mapping import CAUDA_EQUINA_TOKEN, MappedPatient, map_patient
from service.cds_hooks.fhir.medications import DraftMagnesiumOrder
from service.cds_hooks.fhir.notes import DataNote, UnreadableResource

__all__ = [
    "CAUDA_EQUINA_TOKEN",
    "DataNote",
    "DraftMagnesiumOrder",
    "MappedPatient",
    "UnreadableResource",
    "map_patient",
]
