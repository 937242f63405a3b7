"""The Laporan Monitoring dan Evaluasi SPLP (Pasal 9): the period it covers (periods), the figures read from the
rollups (usage, figures), the recommendations drawn from them (recommendations), the services that store a report
and the yearly job (services), and the report as a reader sees it (sections, formatting) rendered as XLSX and
CSV (xlsx, csvfile) and, as the official document the Dinas signs (document: letterhead, cover, foreword,
numbered captions, signature, the identity frozen at finalising), as PDF and DOCX (pdf, docx).
"""
