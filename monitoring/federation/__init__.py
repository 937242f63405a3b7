"""Connections with other SPLPs (the SPBE regulations' link with the national SPLP and other governments:
Baubau SPBE Pasal 15(3)a, Palopo Pasal 14(5)): the register of connections (``services``) and the export of
this SPLP's APIs as WSO2 API Manager projects for the national SPLP (``wso2``)."""
