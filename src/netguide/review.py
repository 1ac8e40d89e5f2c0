"""The one source netguide encodes, as every interface cites it (the review book, CDS Hooks cards): one owner for its
citation and DOI. The DOI is the publisher's article number as the journal prints it (J. Clin. Med. 2023, 12(2), 717);
the review's text, which would carry it, stays outside the repository."""

TITLE = "Chemotherapy in Well Differentiated Neuroendocrine Tumors (NET) G1, G2, and G3: A Narrative Review"
AUTHORS = "Zappi et al."
JOURNAL = "J. Clin. Med. 2023, 12, 717"
DOI = "10.3390/jcm12020717"
DOI_URL = f"https://doi.org/{DOI}"
CITATION = f"{AUTHORS}, {TITLE}. {JOURNAL}. doi:{DOI}"
