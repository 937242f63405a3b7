"""Demo data for `manage.py seed_demo`: two Pemda presets, organisations, themes, accounts and APIs.

Everything that names a city or regency lives in PEMDA_PRESETS (splp/presets.py), so the same demo serves a
city (Kota Baubau) and a regency (Kabupaten Bungo). Records are matched by natural keys (organisation code, theme slug,
username, service slug + version), so seeding twice creates nothing twice. API registrations go through
directory.services like every other change, so they carry their interoperability report and audit trail.
"""

from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.dispatch import Signal
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from splp.models import Pemda
from splp.presets import DEFAULT_PEMDA, PEMDA_PRESETS

from . import services
from .choices import (
    ApiVersionStatusChoices as S,
    ClassificationChoices as C,
    MembershipRoleChoices as R,
    OrganizationKindChoices as K,
    UpdateFrequencyChoices as F,
)
from .models import ApiService, ApiVersion, Membership, Organization, Theme

DEMO_PASSWORD = "demo-password"

# code, kind, name before the Pemda's name, contact unit. The Dinas (administrator) takes the preset's dinas_name.
ORGANIZATIONS = [
    ("diskominfo", K.DINAS, None, "Bidang Aplikasi Informatika"),
    ("disdukcapil", K.DINAS, "Dinas Kependudukan dan Pencatatan Sipil",
     "Bidang Pengelolaan Informasi Administrasi Kependudukan"),
    ("dinkes", K.DINAS, "Dinas Kesehatan", "Seksi Data dan Informasi Kesehatan"),
    ("bappeda", K.BADAN, "Badan Perencanaan Pembangunan Daerah", "Bidang Data dan Evaluasi Pembangunan"),
    ("disdik", K.DINAS, "Dinas Pendidikan", "Subbagian Program dan Data Pendidikan"),
    ("dpmptsp", K.DINAS, "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "Bidang Pelayanan Perizinan"),
    ("bpkad", K.BADAN, "Badan Pengelolaan Keuangan dan Aset Daerah", "Bidang Akuntansi dan Pelaporan"),
]
ADMINISTRATOR_ORG = "diskominfo"
PUBLISHER_ORG = "disdukcapil"
REQUESTER_ORG = "dinkes"

# Public-service sectors of Perwali Palopo 26/2020 Pasal 28 (file 003) plus administration themes.
THEMES = [
    ("kependudukan", "Kependudukan dan Pencatatan Sipil",
     "Data penduduk, kartu keluarga, dan dokumen pencatatan sipil (akta kelahiran, kematian, perkawinan)."),
    ("kesehatan", "Kesehatan",
     "Layanan sektoral kesehatan: fasilitas kesehatan, tenaga kesehatan, dan program kesehatan masyarakat."),
    ("pendidikan", "Pendidikan dan Pengajaran",
     "Layanan sektoral pendidikan/pengajaran: satuan pendidikan, peserta didik, dan pendidik."),
    ("perizinan-investasi", "Perizinan, Usaha dan Investasi",
     "Layanan sektoral pekerjaan, usaha dan investasi: perizinan berusaha, penanaman modal, dan UMKM."),
    ("ketenagakerjaan", "Ketenagakerjaan",
     "Layanan sektoral pekerjaan: pencari kerja, lowongan, dan pelatihan kerja."),
    ("perumahan-permukiman", "Perumahan dan Permukiman",
     "Layanan sektoral tempat tinggal: perumahan, kawasan permukiman, dan prasarana lingkungan."),
    ("sosial", "Sosial dan Jaminan Sosial",
     "Layanan sektoral jaminan sosial: data terpadu kesejahteraan sosial, bantuan sosial, dan jaminan kesehatan."),
    ("perhubungan", "Perhubungan",
     "Layanan sektoral perhubungan: angkutan umum, perparkiran, dan pengujian kendaraan bermotor."),
    ("lingkungan-hidup", "Lingkungan Hidup",
     "Layanan sektoral lingkungan hidup: kualitas udara dan air, persampahan, dan persetujuan lingkungan."),
    ("sumber-daya-alam", "Sumber Daya Alam",
     "Layanan sektoral sumber daya alam: pertanian, perikanan, kehutanan, dan energi."),
    ("pariwisata", "Pariwisata",
     "Layanan sektoral pariwisata: destinasi, akomodasi, dan agenda kebudayaan."),
    ("komunikasi-informatika", "Komunikasi dan Informatika",
     "Layanan sektoral komunikasi dan informasi: infrastruktur TIK, persandian, dan informasi publik."),
    ("pengaduan-publik", "Pengaduan Layanan Publik",
     "Layanan pengaduan pelayanan publik dan tindak lanjutnya."),
    ("satu-data", "Satu Data dan Data Terbuka",
     "Layanan satu data dan data terbuka: metadata, data prioritas, dan portal data daerah."),
    ("jdih", "Dokumentasi dan Informasi Hukum",
     "Layanan Jaringan Dokumentasi dan Informasi Hukum: peraturan daerah dan produk hukum lainnya."),
    ("perencanaan", "Perencanaan Pembangunan",
     "Perencanaan dan evaluasi pembangunan daerah: indikator kinerja, RPJMD, dan RKPD."),
    ("keuangan-aset", "Keuangan dan Aset Daerah",
     "Pengelolaan keuangan daerah: anggaran, realisasi, pendapatan, dan barang milik daerah."),
    ("kepegawaian", "Kepegawaian",
     "Manajemen aparatur sipil negara: data pegawai, jabatan, dan kinerja."),
    ("sektoral-lainnya", "Sektoral Strategis Lainnya",
     "Layanan sektoral strategis lainnya sesuai kebutuhan pelayanan publik di daerah."),
]

# username, display name, organisation code, role, superuser
USERS = [
    ("admin", "Administrator SPLP", ADMINISTRATOR_ORG, R.ADMINISTRATOR, True),
    ("publisher", "Operator Disdukcapil", PUBLISHER_ORG, R.PUBLISHER, False),
    ("requester", "Operator Dinas Kesehatan", REQUESTER_ORG, R.REQUESTER, False),
]


def upstream_base(slug):
    return f"{settings.SPLP_DEMO_UPSTREAM_BASE.rstrip('/')}/{slug}"


# --- OpenAPI building blocks -------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["kode", "pesan"],
    "properties": {
        "kode": {"type": "string", "description": "Kode galat yang dapat dibaca mesin."},
        "pesan": {"type": "string", "description": "Penjelasan galat untuk manusia."},
    },
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description, schema, example):
    return {"description": description, "content": {"application/json": {"schema": schema, "example": example}}}


def _error(description, code, message):
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Galat"), "example": {"kode": code, "pesan": message}}},
    }


def _param(name, where, description, schema, example, required=False):
    return {
        "name": name, "in": where, "description": description, "required": required or where == "path",
        "schema": schema, "example": example,
    }


def _page(item_schema):
    return {
        "type": "object",
        "required": ["jumlah", "halaman", "hasil"],
        "properties": {
            "jumlah": {"type": "integer", "description": "Jumlah seluruh data yang cocok."},
            "halaman": {"type": "integer", "minimum": 1},
            "hasil": {"type": "array", "items": item_schema},
        },
    }


PAGE_PARAM = _param("halaman", "query", "Nomor halaman (50 data per halaman).", {"type": "integer", "minimum": 1}, 1)
NOT_FOUND = _error("Data tidak ditemukan.", "tidak_ditemukan", "Data dengan kode tersebut tidak ditemukan.")


def _openapi(ctx, *, title, version, description, paths, schemas, openapi="3.0.3"):
    return {
        "openapi": openapi,
        "info": {
            "title": title,
            "version": version,
            "description": description,
            "contact": {"name": ctx.org_name, "email": ctx.org_email},
        },
        "paths": paths,
        "components": {"schemas": {"Galat": ERROR_SCHEMA, **schemas}},
    }


@dataclass(frozen=True)
class SpecContext:
    """What a demo document may say about its Pemda and owner."""

    preset: dict
    org_name: str
    org_email: str

    @property
    def district(self):
        return self.preset["district"]

    def nik(self, serial):
        return f"{self.preset['region_code']}01{serial:010d}"


# --- The demo API documents ----------------------------------------------------------------------------------

def spec_data_kependudukan(ctx):
    penduduk = {
        "type": "object",
        "required": ["nik", "no_kk", "nama_lengkap", "tanggal_lahir", "jenis_kelamin"],
        "properties": {
            "nik": {"type": "string", "pattern": r"^\d{16}$", "description": "Nomor Induk Kependudukan."},
            "no_kk": {"type": "string", "pattern": r"^\d{16}$", "description": "Nomor Kartu Keluarga."},
            "nama_lengkap": {"type": "string"},
            "tempat_lahir": {"type": "string"},
            "tanggal_lahir": {"type": "string", "format": "date"},
            "jenis_kelamin": {"type": "string", "enum": ["LAKI-LAKI", "PEREMPUAN"]},
            "agama": {"type": "string"},
            "status_perkawinan": {"type": "string", "enum": ["BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"]},
            "pekerjaan": {"type": "string"},
            "alamat": _ref("Alamat"),
        },
    }
    alamat = {
        "type": "object",
        "properties": {
            "jalan": {"type": "string"},
            "rt": {"type": "string", "pattern": r"^\d{3}$"},
            "rw": {"type": "string", "pattern": r"^\d{3}$"},
            "kelurahan": {"type": "string"},
            "kecamatan": {"type": "string"},
        },
    }
    verifikasi_request = {
        "type": "object",
        "required": ["nik", "nama_lengkap", "tanggal_lahir"],
        "properties": {
            "nik": {"type": "string", "pattern": r"^\d{16}$"},
            "nama_lengkap": {"type": "string"},
            "tanggal_lahir": {"type": "string", "format": "date"},
        },
    }
    verifikasi_result = {
        "type": "object",
        "required": ["nik", "cocok"],
        "properties": {
            "nik": {"type": "string"},
            "cocok": {"type": "boolean", "description": "Benar bila semua elemen yang dikirim cocok."},
            "elemen": {
                "type": "object",
                "description": "Hasil pencocokan per elemen; nilai data tidak pernah dikembalikan.",
                "additionalProperties": {"type": "boolean"},
            },
        },
    }
    nik = ctx.nik(1)
    person = {
        "nik": nik, "no_kk": ctx.nik(9001), "nama_lengkap": "SITI CONTOH", "tempat_lahir": ctx.district,
        "tanggal_lahir": "1990-01-01", "jenis_kelamin": "PEREMPUAN", "agama": "ISLAM",
        "status_perkawinan": "KAWIN", "pekerjaan": "PEGAWAI SWASTA",
        "alamat": {"jalan": "Jl. Contoh No. 1", "rt": "001", "rw": "002", "kelurahan": ctx.district,
                   "kecamatan": ctx.district},
    }
    paths = {
        "/v1/penduduk/{nik}": {
            "get": {
                "operationId": "ambilPenduduk",
                "summary": "Ambil data penduduk berdasarkan NIK",
                "description": "Mengembalikan elemen data kependudukan sesuai hak akses yang diberikan.",
                "parameters": [_param("nik", "path", "NIK 16 digit.", {"type": "string", "pattern": r"^\d{16}$"}, nik)],
                "responses": {"200": _ok("Data penduduk.", _ref("Penduduk"), person), "404": NOT_FOUND},
            }
        },
        "/v1/verifikasi-nik": {
            "post": {
                "operationId": "verifikasiNik",
                "summary": "Verifikasi kecocokan NIK, nama, dan tanggal lahir",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {
                        "schema": _ref("VerifikasiNikPermintaan"),
                        "example": {"nik": nik, "nama_lengkap": "SITI CONTOH", "tanggal_lahir": "1990-01-01"},
                    }},
                },
                "responses": {
                    "200": _ok("Hasil verifikasi.", _ref("VerifikasiNikHasil"),
                               {"nik": nik, "cocok": True, "elemen": {"nama_lengkap": True, "tanggal_lahir": True}}),
                    "422": _error("Permintaan tidak lengkap.", "tidak_valid", "NIK harus 16 digit."),
                },
            }
        },
    }
    return _openapi(
        ctx, title="Data Kependudukan", version="1.0.0",
        description="Akses data kependudukan dan verifikasi NIK untuk pelayanan publik (Permendagri 102/2019).",
        paths=paths,
        schemas={"Penduduk": penduduk, "Alamat": alamat, "VerifikasiNikPermintaan": verifikasi_request,
                 "VerifikasiNikHasil": verifikasi_result},
    )


def spec_fasilitas_kesehatan(ctx):
    """An OpenAPI 3.1 document (JSON Schema 2020-12 types such as ["string", "null"])."""
    fasilitas = {
        "type": "object",
        "required": ["kode", "nama", "jenis", "kecamatan"],
        "properties": {
            "kode": {"type": "string", "description": "Kode fasilitas kesehatan."},
            "nama": {"type": "string"},
            "jenis": {"type": "string", "enum": ["puskesmas", "rumah_sakit", "klinik", "apotek", "laboratorium"]},
            "alamat": {"type": "string"},
            "kecamatan": {"type": "string"},
            "telepon": {"type": ["string", "null"]},
            "koordinat": {
                "type": "object",
                "properties": {"lintang": {"type": "number"}, "bujur": {"type": "number"}},
            },
            "layanan": {"type": "array", "items": {"type": "string"}},
            "rawat_inap": {"type": "boolean"},
        },
    }
    item = {
        "kode": "P" + ctx.preset["region_code"] + "0101", "nama": f"Puskesmas {ctx.district}", "jenis": "puskesmas",
        "alamat": "Jl. Contoh No. 10", "kecamatan": ctx.district, "telepon": f"{ctx.preset['phone_prefix']} 21000",
        "koordinat": ctx.preset["coordinates"], "layanan": ["umum", "KIA", "imunisasi"],
        "rawat_inap": False,
    }
    paths = {
        "/v1/fasilitas": {
            "get": {
                "operationId": "daftarFasilitas",
                "summary": "Daftar fasilitas kesehatan",
                "parameters": [
                    _param("jenis", "query", "Saring menurut jenis fasilitas.", {"type": "string"}, "puskesmas"),
                    _param("kecamatan", "query", "Saring menurut kecamatan.", {"type": "string"}, ctx.district),
                    PAGE_PARAM,
                ],
                "responses": {"200": _ok("Daftar fasilitas.", _page(_ref("Fasilitas")),
                                         {"jumlah": 1, "halaman": 1, "hasil": [item]})},
            }
        },
        "/v1/fasilitas/{kode}": {
            "get": {
                "operationId": "ambilFasilitas",
                "summary": "Rincian satu fasilitas kesehatan",
                "parameters": [_param("kode", "path", "Kode fasilitas.", {"type": "string"}, item["kode"])],
                "responses": {"200": _ok("Rincian fasilitas.", _ref("Fasilitas"), item), "404": NOT_FOUND},
            }
        },
    }
    return _openapi(
        ctx, title="Fasilitas Kesehatan", version="1.0.0", openapi="3.1.0",
        description="Direktori puskesmas, rumah sakit, klinik, apotek, dan laboratorium di wilayah "
        f"{ctx.preset['name']}.",
        paths=paths, schemas={"Fasilitas": fasilitas},
    )


def spec_indikator_pembangunan(ctx):
    indikator = {
        "type": "object",
        "required": ["kode", "nama", "satuan"],
        "properties": {
            "kode": {"type": "string"},
            "nama": {"type": "string"},
            "satuan": {"type": "string"},
            "bidang": {"type": "string", "enum": ["ekonomi", "sosial", "infrastruktur", "lingkungan", "tata_kelola"]},
            "sumber_data": {"type": "string"},
        },
    }
    nilai = {
        "type": "object",
        "required": ["tahun", "nilai"],
        "properties": {
            "tahun": {"type": "integer"},
            "nilai": {"type": "number"},
            "target": {"type": "number", "nullable": True},
            "status": {"type": "string", "enum": ["sementara", "tetap"]},
        },
    }
    ipm = {"kode": "IPM", "nama": "Indeks Pembangunan Manusia", "satuan": "indeks", "bidang": "sosial",
           "sumber_data": "Badan Pusat Statistik"}
    paths = {
        "/v1/indikator": {
            "get": {
                "operationId": "daftarIndikator",
                "summary": "Daftar indikator kinerja pembangunan daerah",
                "parameters": [_param("bidang", "query", "Saring menurut bidang.", {"type": "string"}, "sosial")],
                "responses": {"200": _ok("Daftar indikator.", {"type": "array", "items": _ref("Indikator")}, [ipm])},
            }
        },
        "/v1/indikator/{kode}/nilai": {
            "get": {
                "operationId": "nilaiIndikator",
                "summary": "Nilai tahunan satu indikator",
                "parameters": [
                    _param("kode", "path", "Kode indikator.", {"type": "string"}, "IPM"),
                    _param("tahun_mulai", "query", "Tahun awal.", {"type": "integer"}, 2020),
                    _param("tahun_akhir", "query", "Tahun akhir.", {"type": "integer"}, 2024),
                ],
                "responses": {
                    "200": _ok("Deret nilai indikator.", {"type": "array", "items": _ref("NilaiIndikator")},
                               [{"tahun": 2023, "nilai": 72.41, "target": 72.5, "status": "tetap"},
                                {"tahun": 2024, "nilai": 73.02, "target": 73.0, "status": "sementara"}]),
                    "404": NOT_FOUND,
                },
            }
        },
    }
    return _openapi(
        ctx, title="Indikator Pembangunan", version="1.0.0",
        description="Indikator kinerja RPJMD dan capaian tahunannya sebagai data prioritas Satu Data Indonesia.",
        paths=paths, schemas={"Indikator": indikator, "NilaiIndikator": nilai},
    )


def spec_data_sekolah(ctx):
    """A Swagger 2.0 document, to show that the older format is accepted and recorded as such."""
    sekolah = {
        "type": "object",
        "required": ["npsn", "nama", "jenjang", "status"],
        "properties": {
            "npsn": {"type": "string", "description": "Nomor Pokok Sekolah Nasional."},
            "nama": {"type": "string"},
            "jenjang": {"type": "string", "enum": ["PAUD", "SD", "SMP"]},
            "status": {"type": "string", "enum": ["negeri", "swasta"]},
            "alamat": {"type": "string"},
            "kecamatan": {"type": "string"},
            "akreditasi": {"type": "string", "enum": ["A", "B", "C", "belum"]},
            "jumlah_peserta_didik": {"type": "integer"},
            "jumlah_pendidik": {"type": "integer"},
        },
    }
    example = {"npsn": "60100001", "nama": f"SD Negeri 1 {ctx.district}", "jenjang": "SD", "status": "negeri",
               "alamat": "Jl. Pendidikan No. 1", "kecamatan": ctx.district, "akreditasi": "A",
               "jumlah_peserta_didik": 312, "jumlah_pendidik": 18}
    return {
        "swagger": "2.0",
        "info": {
            "title": "Data Sekolah",
            "version": "1.0.0",
            "description": "Data pokok satuan pendidikan PAUD, SD, dan SMP (selaras Dapodik).",
            "contact": {"name": ctx.org_name, "email": ctx.org_email},
        },
        "basePath": "/",
        "schemes": ["https"],
        "produces": ["application/json"],
        "paths": {
            "/v1/sekolah": {
                "get": {
                    "operationId": "daftarSekolah",
                    "summary": "Daftar satuan pendidikan",
                    "parameters": [
                        {"name": "jenjang", "in": "query", "type": "string", "enum": ["PAUD", "SD", "SMP"]},
                        {"name": "kecamatan", "in": "query", "type": "string"},
                        {"name": "halaman", "in": "query", "type": "integer", "minimum": 1},
                    ],
                    "responses": {
                        "200": {
                            "description": "Daftar sekolah.",
                            "schema": {"type": "array", "items": {"$ref": "#/definitions/Sekolah"}},
                            "examples": {"application/json": [example]},
                        }
                    },
                }
            },
            "/v1/sekolah/{npsn}": {
                "get": {
                    "operationId": "ambilSekolah",
                    "summary": "Rincian satu satuan pendidikan",
                    "parameters": [{"name": "npsn", "in": "path", "required": True, "type": "string"}],
                    "responses": {
                        "200": {"description": "Rincian sekolah.", "schema": {"$ref": "#/definitions/Sekolah"},
                                "examples": {"application/json": example}},
                        "404": {"description": "Data tidak ditemukan.", "schema": {"$ref": "#/definitions/Galat"}},
                    },
                }
            },
        },
        # A schema-level example too: that is where Swagger 2 tools (and the demo upstream) look for one.
        "definitions": {"Sekolah": {**sekolah, "example": example}, "Galat": ERROR_SCHEMA},
    }


def spec_perizinan_berusaha(ctx):
    izin = {
        "type": "object",
        "required": ["nomor", "nib", "jenis_izin", "status"],
        "properties": {
            "nomor": {"type": "string"},
            "nib": {"type": "string", "pattern": r"^\d{13}$", "description": "Nomor Induk Berusaha."},
            "nama_usaha": {"type": "string"},
            "jenis_izin": {"type": "string"},
            "kbli": {"type": "string", "pattern": r"^\d{5}$"},
            "tingkat_risiko": {"type": "string", "enum": ["rendah", "menengah_rendah", "menengah_tinggi", "tinggi"]},
            "status": {"type": "string", "enum": ["terbit", "dibekukan", "dicabut"]},
            "tanggal_terbit": {"type": "string", "format": "date"},
            "berlaku_sampai": {"type": "string", "format": "date", "nullable": True},
        },
    }
    example = {"nomor": "503/0001/DPMPTSP/2025", "nib": "9120001234567", "nama_usaha": "CV Contoh Sejahtera",
               "jenis_izin": "Sertifikat Standar", "kbli": "56101", "tingkat_risiko": "menengah_rendah",
               "status": "terbit", "tanggal_terbit": "2025-02-03", "berlaku_sampai": None}
    paths = {
        "/v1/izin": {
            "get": {
                "operationId": "daftarIzinPerNib",
                "summary": "Daftar izin milik satu NIB",
                "parameters": [
                    _param("nib", "query", "Nomor Induk Berusaha.", {"type": "string", "pattern": r"^\d{13}$"},
                           example["nib"], required=True),
                ],
                "responses": {"200": _ok("Daftar izin.", {"type": "array", "items": _ref("Izin")}, [example])},
            }
        },
        "/v1/izin/{nomor}": {
            "get": {
                "operationId": "ambilIzin",
                "summary": "Status dan rincian satu izin",
                "parameters": [_param("nomor", "path", "Nomor izin.", {"type": "string"}, example["nomor"])],
                "responses": {"200": _ok("Rincian izin.", _ref("Izin"), example), "404": NOT_FOUND},
            }
        },
    }
    return _openapi(
        ctx, title="Perizinan Berusaha", version="1.0.0",
        description="Status perizinan berusaha berbasis risiko yang diterbitkan DPMPTSP (PP 5/2021).",
        paths=paths, schemas={"Izin": izin},
    )


def spec_realisasi_anggaran(ctx):
    realisasi = {
        "type": "object",
        "required": ["tahun", "kode_opd", "pagu", "realisasi"],
        "properties": {
            "tahun": {"type": "integer"},
            "kode_opd": {"type": "string"},
            "nama_opd": {"type": "string"},
            "pagu": {"type": "number", "description": "Pagu anggaran (rupiah)."},
            "realisasi": {"type": "number", "description": "Realisasi belanja (rupiah)."},
            "persentase": {"type": "number"},
            "per_tanggal": {"type": "string", "format": "date"},
        },
    }
    paths = {
        "/v1/realisasi": {
            "get": {
                "operationId": "realisasiAnggaran",
                "summary": "Realisasi belanja per perangkat daerah",
                "parameters": [
                    _param("tahun", "query", "Tahun anggaran.", {"type": "integer"}, 2025, required=True),
                    _param("kode_opd", "query", "Kode perangkat daerah.", {"type": "string"}, "dinkes"),
                ],
                "responses": {"200": _ok("Realisasi anggaran.", {"type": "array", "items": _ref("Realisasi")},
                                         [{"tahun": 2025, "kode_opd": "dinkes", "nama_opd": "Dinas Kesehatan",
                                           "pagu": 85000000000, "realisasi": 41250000000, "persentase": 48.53,
                                           "per_tanggal": "2025-06-30"}])},
            }
        },
    }
    return _openapi(
        ctx, title="Realisasi Anggaran", version="1.0.0",
        description="Pagu dan realisasi belanja APBD per perangkat daerah, diperbarui bulanan.",
        paths=paths, schemas={"Realisasi": realisasi},
    )


def spec_pencatatan_sipil(ctx):
    akta = {
        "type": "object",
        "required": ["nomor_akta", "jenis", "nik", "tanggal_peristiwa"],
        "properties": {
            "nomor_akta": {"type": "string"},
            "jenis": {"type": "string", "enum": ["kelahiran", "kematian"]},
            "nik": {"type": "string", "pattern": r"^\d{16}$"},
            "nama": {"type": "string"},
            "tanggal_peristiwa": {"type": "string", "format": "date"},
            "tempat_peristiwa": {"type": "string"},
        },
    }
    example = {"nomor_akta": f"{ctx.preset['region_code']}-LT-01012025-0001", "jenis": "kelahiran",
               "nik": ctx.nik(2), "nama": "BUDI CONTOH", "tanggal_peristiwa": "2025-01-01",
               "tempat_peristiwa": ctx.district}
    nomor = _param("nomor_akta", "path", "Nomor akta.", {"type": "string"}, example["nomor_akta"])
    paths = {
        f"/v1/akta-{kind}/{{nomor_akta}}": {
            "get": {
                "operationId": f"ambilAkta{kind.capitalize()}",
                "summary": f"Verifikasi akta {kind}",
                "parameters": [nomor],
                "responses": {"200": _ok(f"Data akta {kind}.", _ref("Akta"), {**example, "jenis": kind}),
                              "404": NOT_FOUND},
            }
        }
        for kind in ("kelahiran", "kematian")
    }
    return _openapi(
        ctx, title="Pencatatan Sipil", version="1.0.0",
        description="Verifikasi akta kelahiran dan akta kematian untuk layanan yang mensyaratkannya.",
        paths=paths, schemas={"Akta": akta},
    )


def spec_penduduk_rentan(ctx):
    rentan = {
        "type": "object",
        "required": ["nik", "nama_lengkap", "kategori", "kecamatan"],
        "properties": {
            "nik": {"type": "string", "pattern": r"^\d{16}$", "description": "Nomor Induk Kependudukan."},
            "nama_lengkap": {"type": "string"},
            "kategori": {"type": "string", "enum": [
                "korban_bencana", "korban_konflik", "komunitas_terpencil", "penyandang_disabilitas",
                "tanpa_tempat_tinggal",
            ], "description": "Kategori penduduk rentan administrasi kependudukan (Permendagri 96/2019)."},
            "kecamatan": {"type": "string"},
            "tanggal_pendataan": {"type": "string", "format": "date"},
        },
    }
    example = {"nik": ctx.nik(3), "nama_lengkap": "ANI CONTOH", "kategori": "korban_bencana",
               "kecamatan": ctx.district, "tanggal_pendataan": "2025-03-10"}
    paths = {
        "/v1/penduduk-rentan": {
            "get": {
                "operationId": "daftarPendudukRentan",
                "summary": "Daftar penduduk rentan per kecamatan",
                "parameters": [
                    _param("kecamatan", "query", "Nama kecamatan.", {"type": "string"}, ctx.district, required=True),
                    PAGE_PARAM,
                ],
                "responses": {"200": _ok("Penduduk rentan yang terdata.", _page(_ref("PendudukRentan")),
                                         {"jumlah": 1, "halaman": 1, "hasil": [example]})},
            }
        },
        "/v1/penduduk-rentan/{nik}": {
            "get": {
                "operationId": "ambilPendudukRentan",
                "summary": "Data pendataan satu penduduk rentan",
                "parameters": [_param("nik", "path", "Nomor Induk Kependudukan.",
                                      {"type": "string", "pattern": r"^\d{16}$"}, example["nik"])],
                "responses": {"200": _ok("Data pendataan.", _ref("PendudukRentan"), example), "404": NOT_FOUND},
            }
        },
    }
    return _openapi(
        ctx, title="Penduduk Rentan", version="1.0.0",
        description="Pendataan penduduk rentan administrasi kependudukan untuk penerbitan dokumen dan bantuan.",
        paths=paths, schemas={"PendudukRentan": rentan},
    )


@dataclass(frozen=True)
class DemoApi:
    owner: str
    slug: str
    theme: str
    status: str
    build_spec: object
    name: str
    description: str
    classification: str
    has_personal_data: bool
    legal_basis: str
    update_frequency: str
    sla: str
    version: str = "1.0.0"


DEMO_APIS = [
    DemoApi(
        owner="disdukcapil", slug="data-kependudukan", theme="kependudukan", status=S.PUBLISHED,
        build_spec=spec_data_kependudukan, name="Data Kependudukan",
        description="Data penduduk menurut NIK dan verifikasi NIK untuk pelayanan publik perangkat daerah.",
        classification=C.TERBATAS, has_personal_data=True,
        legal_basis="UU 24/2013 tentang Perubahan atas UU 23/2006 tentang Administrasi Kependudukan; "
        "Permendagri 102/2019 tentang Pemberian Hak Akses dan Pemanfaatan Data Kependudukan.",
        update_frequency=F.REALTIME, sla="99,5% per bulan; respons < 1 detik",
    ),
    DemoApi(
        owner="dinkes", slug="fasilitas-kesehatan", theme="kesehatan", status=S.PUBLISHED,
        build_spec=spec_fasilitas_kesehatan, name="Fasilitas Kesehatan",
        description="Direktori fasilitas kesehatan: puskesmas, rumah sakit, klinik, apotek, dan laboratorium.",
        classification=C.TERBUKA, has_personal_data=False,
        legal_basis="UU 17/2023 tentang Kesehatan; Perpres 39/2019 tentang Satu Data Indonesia.",
        update_frequency=F.MONTHLY, sla="99% per bulan",
    ),
    DemoApi(
        owner="bappeda", slug="indikator-pembangunan", theme="perencanaan", status=S.PUBLISHED,
        build_spec=spec_indikator_pembangunan, name="Indikator Pembangunan",
        description="Indikator kinerja pembangunan daerah (IPM, kemiskinan, pengangguran, pertumbuhan ekonomi).",
        classification=C.TERBUKA, has_personal_data=False,
        legal_basis="UU 25/2004 tentang Sistem Perencanaan Pembangunan Nasional; "
        "Perpres 39/2019 tentang Satu Data Indonesia.",
        update_frequency=F.YEARLY, sla="99% per bulan",
    ),
    DemoApi(
        owner="disdik", slug="data-sekolah", theme="pendidikan", status=S.PUBLISHED,
        build_spec=spec_data_sekolah, name="Data Sekolah",
        description="Data pokok satuan pendidikan PAUD, SD, dan SMP: lokasi, akreditasi, peserta didik, pendidik.",
        classification=C.TERBUKA, has_personal_data=False,
        legal_basis="Permendikbud 79/2015 tentang Data Pokok Pendidikan.",
        update_frequency=F.WEEKLY, sla="99% per bulan",
    ),
    DemoApi(
        owner="dpmptsp", slug="perizinan-berusaha", theme="perizinan-investasi", status=S.PUBLISHED,
        build_spec=spec_perizinan_berusaha, name="Perizinan Berusaha",
        description="Status perizinan berusaha berbasis risiko menurut NIB atau nomor izin.",
        classification=C.TERBATAS, has_personal_data=False,
        legal_basis="PP 5/2021 tentang Penyelenggaraan Perizinan Berusaha Berbasis Risiko; "
        "PP 6/2021 tentang Penyelenggaraan Perizinan Berusaha di Daerah.",
        update_frequency=F.REALTIME, sla="99,5% per bulan; respons < 2 detik",
    ),
    # Rahasia: only Disdukcapil (the `publisher` account), the Dinas and organisations that request it see it.
    DemoApi(
        owner="disdukcapil", slug="penduduk-rentan", theme="kependudukan", status=S.PUBLISHED,
        build_spec=spec_penduduk_rentan, name="Penduduk Rentan",
        description="Pendataan penduduk rentan administrasi kependudukan: korban bencana, komunitas terpencil, "
        "penyandang disabilitas.",
        classification=C.RAHASIA, has_personal_data=True,
        legal_basis="Permendagri 96/2019 tentang Pendataan dan Penerbitan Dokumen Kependudukan bagi Penduduk "
        "Rentan Administrasi Kependudukan; UU 27/2022 tentang Pelindungan Data Pribadi.",
        update_frequency=F.MONTHLY, sla="99% per bulan",
    ),
    # Waits in the Dinas' queue "Registrasi API menunggu pendampingan".
    DemoApi(
        owner="bpkad", slug="realisasi-anggaran", theme="keuangan-aset", status=S.SUBMITTED,
        build_spec=spec_realisasi_anggaran, name="Realisasi Anggaran",
        description="Pagu dan realisasi belanja APBD per perangkat daerah.",
        classification=C.TERBUKA, has_personal_data=False,
        legal_basis="PP 12/2019 tentang Pengelolaan Keuangan Daerah.",
        update_frequency=F.MONTHLY, sla="99% per bulan",
    ),
    # A draft the `publisher` account can finish and submit.
    DemoApi(
        owner="disdukcapil", slug="pencatatan-sipil", theme="kependudukan", status=S.DRAFT,
        build_spec=spec_pencatatan_sipil, name="Pencatatan Sipil",
        description="Verifikasi akta kelahiran dan akta kematian.",
        classification=C.TERBATAS, has_personal_data=True,
        legal_basis="UU 24/2013 tentang Perubahan atas UU 23/2006 tentang Administrasi Kependudukan.",
        update_frequency=F.REALTIME, sla="99,5% per bulan",
    ),
]

# --- Seeding ------------------------------------------------------------------------------------------------

@dataclass
class SeedReport:
    """What seed_demo created and what it found already there, per category. A category is the label the
    seed_demo command prints, so an app above directory names its own without directory knowing it."""

    pemda: Pemda
    tallies: dict = field(default_factory=dict)
    accounts: list = field(default_factory=list)

    def count(self, category, created):
        tally = self.tallies.setdefault(category, {"created": 0, "found": 0})
        tally["created" if created else "found"] += 1


# Sent at the end of seed_demo, inside its transaction, with report, organizations and users (dicts by code and
# username): the apps above directory (access, monitoring) seed their own demo records without directory importing
# them.
demo_seeded = Signal()


@transaction.atomic
def seed_demo(pemda_key=DEFAULT_PEMDA):
    """Create or find every demo record for the given preset; all or nothing."""
    preset = PEMDA_PRESETS[pemda_key]
    report = SeedReport(pemda=_seed_pemda(preset))
    orgs = _seed_organizations(preset, report)
    themes = _seed_themes(report)
    users = _seed_users(preset, orgs, report)
    for api in DEMO_APIS:
        _seed_api(api, preset, orgs, themes, users, report)
    demo_seeded.send(sender=SeedReport, report=report, organizations=orgs, users=users)
    return report


def _seed_pemda(preset):
    # Matched by name: a database seeded before the preset's domain was corrected keeps its row.
    pemda, _created = Pemda.objects.update_or_create(
        name=preset["name"],
        defaults={"dinas_name": preset["dinas_name"], "domain": preset["domain"], "logo_text": preset["logo_text"],
                  "is_active": True, **preset["identity"]},
    )
    if not (pemda.logo and pemda.logo.storage.exists(pemda.logo.name)):
        pemda.logo.save(f"logo-{slugify(pemda.name)}.png", ContentFile(_demo_logo(preset)), save=True)
    # One identity at a time: the portal shows the active row.
    Pemda.objects.exclude(pk=pemda.pk).update(is_active=False)
    return pemda


def _demo_logo(preset):
    """A plain placeholder for the letterhead (never a real emblem): a coloured disc with the logo text."""
    image = Image.new("RGBA", (240, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 232, 232), fill=(*preset["logo_colour"], 255), outline=(255, 204, 0, 255), width=8)
    font = ImageFont.load_default(size=28)
    for row, text in enumerate(preset["logo_text"].split(maxsplit=1)):
        draw.text((120, 100 + row * 40), text, fill="white", font=font, anchor="mm")
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _org_name(preset, code, prefix):
    return preset["dinas_name"] if code == ADMINISTRATOR_ORG else f"{prefix} {preset['name']}"


def _seed_organizations(preset, report):
    orgs = {}
    for position, (code, kind, prefix, unit) in enumerate(ORGANIZATIONS, start=1):
        orgs[code], created = Organization.objects.update_or_create(
            code=code,
            defaults={
                "name": _org_name(preset, code, prefix),
                "kind": kind,
                "is_administrator": code == ADMINISTRATOR_ORG,
                "contact_name": unit,
                "contact_email": f"{code}@{preset['mail_domain']}",
                "contact_phone": f"{preset['phone_prefix']} 2{position:04d}",
            },
        )
        report.count("Perangkat daerah", created)
    return orgs


def _seed_themes(report):
    themes = {}
    for position, (slug, name, description) in enumerate(THEMES, start=1):
        # Found themes are left as the administrators keep them.
        themes[slug], created = Theme.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": position * 10}
        )
        report.count("Tema", created)
    return themes


def _seed_users(preset, orgs, report):
    users = {}
    for username, first_name, org_code, role, superuser in USERS:
        user, created = get_user_model().objects.get_or_create(username=username)
        user.first_name = first_name
        user.email = f"{username}@{preset['mail_domain']}"
        # Only the Dinas works in the admin; operators work in the portal (monitoring.admin_site sends them there).
        user.is_staff = role == R.ADMINISTRATOR
        user.is_superuser = superuser
        user.is_active = True
        # Always reset, so the password printed by the command and the README stays true.
        user.set_password(DEMO_PASSWORD)
        user.save()
        membership, _new = Membership.objects.get_or_create(user=user, organization=orgs[org_code], role=role)
        users[username] = user
        report.accounts.append((username, membership.get_role_display(), membership.organization.name))
        report.count("Akun", created)
    return users


def _seed_api(api, preset, orgs, themes, users, report):
    owner = orgs[api.owner]
    # The publisher account acts for its own organisation; the administrator registers for the others.
    actor = users["publisher"] if api.owner == PUBLISHER_ORG else users["admin"]
    fields = {
        "name": api.name, "description": api.description, "theme": themes[api.theme],
        "classification": api.classification, "has_personal_data": api.has_personal_data,
        "legal_basis": api.legal_basis, "update_frequency": api.update_frequency, "sla": api.sla,
        "contact_name": owner.contact_name, "contact_email": owner.contact_email,
        "data_producer": owner.name, "data_steward": preset["dinas_name"],
    }
    ctx = SpecContext(preset=preset, org_name=owner.name, org_email=owner.contact_email)
    version_fields = {"version": api.version, "upstream_base_url": upstream_base(api.slug),
                      "spec": api.build_spec(ctx)}
    service = ApiService.objects.filter(slug=api.slug).first()
    if service is None:
        _new_service, api_version = services.api_service_register(
            actor=actor, owner=owner, slug=api.slug, **version_fields, **fields
        )
        created = True
    else:
        # Keeps names that follow the Pemda in step when the preset changes; no change, no audit row.
        services.api_service_update(actor=users["admin"], service=service, **fields)
        api_version = ApiVersion.objects.filter(service=service, version=api.version).first()
        created = api_version is None
        if created:
            api_version = services.api_version_create(actor=actor, service=service, **version_fields)
    report.count("Versi API", created)
    _advance(api_version, api.status, actor, users["admin"])


def _advance(api_version, target, actor, admin):
    """Move a demo version forward to its target state; versions already past it are left alone."""
    if target in (S.SUBMITTED, S.PUBLISHED) and api_version.status == S.DRAFT:
        api_version = services.api_version_submit_for_review(actor=actor, api_version=api_version)
    if target == S.PUBLISHED and api_version.status == S.SUBMITTED:
        services.api_version_publish(
            actor=admin, api_version=api_version, note="Didampingi dan diterbitkan sebagai data demo."
        )
