"""The Laporan Monitoring dan Evaluasi SPLP (Pasal 9): the period it covers (periods), the figures read from the
rollups (usage, figures), the recommendations drawn from them (recommendations), the services that store a report
and the yearly job (services), and the report as a reader sees it (sections, formatting) rendered as PDF, XLSX
and CSV (pdf, xlsx, csvfile).
"""
