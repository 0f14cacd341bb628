#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Test PKI for lib/auth, lib/profile and the integration tests: a
# manufacturer root CA, an intermediate, an unrelated CA, good device
# certificates and one certificate per defect the AuSF must detect, plus the
# operator's side (its CA, the profile provisioning certificate, the portal's
# TLS certificate and a test OP), all with fixed validity dates so tests can
# pass a deterministic "now".
#
# Usage: scripts/test-pki.sh OUTDIR
#
# Idempotent: a complete OUTDIR (marked by .complete holding the layout
# version) is left alone; concurrent runs on one OUTDIR serialise on a lock
# (flock, util-linux). Everything is built in a scratch folder inside
# OUTDIR and moved in at the end, so an interrupted run never leaves a
# half PKI that looks complete. Quiet unless something fails (then the
# openssl log is printed). Needs only the openssl CLI; about 1 s.
#
# Dates: openssl req/x509 in OpenSSL 3.0 cannot backdate, so every
# certificate is issued by "openssl ca" with -startdate/-enddate from a
# throwaway CA database.
#
# Layout (identity = the SAN URI urn:gardengate:device:<identity>):
#   ca.pem ca.key              root CA, EC P-256, 2020-01-01 .. 2099-12-31
#   int-ca.pem int-ca.key      intermediate under the root, EC P-256
#   other-ca.pem other-ca.key  an unrelated root, EC P-256
#   dev-ec.{pem,der,key}       nai-dev0001@maker.example, EC P-256
#   dev-rsa.{pem,der,key}      nai-dev0002@maker.example, RSA 2048
#   dev-int.{pem,der,key}      nai-dev0003@maker.example, EC P-256, issued
#                              by the intermediate; dev-int-chain.pem is
#                              the leaf followed by int-ca.pem
#   bad-*.pem bad-*.key        nai-dev0001@maker.example unless said:
#     bad-expired      valid 2020-01-01 .. 2021-01-01
#     bad-notyet       valid 2090-01-01 .. 2091-01-01
#     bad-otherca      issued by other-ca
#     bad-wrongid      SAN for nai-dev9999@maker.example
#     bad-keyusage     keyUsage keyEncipherment only
#     bad-noku         no keyUsage extension
#     bad-eku          extendedKeyUsage serverAuth only
#     bad-isca         basicConstraints CA:TRUE (a CA used as a leaf)
#     bad-nosan        no subjectAltName
#     bad-p384         EC P-384 key
#     bad-rsa1024      RSA 1024 key
# Operator side (O=Operator Example):
#   operator-ca.pem/.key     the operator's root CA, EC P-256
#   provisioning.pem/.key    profile signing certificate under operator-ca,
#                            EC P-256, keyUsage digitalSignature, no EKU (so
#                            "openssl cms -verify" accepts it with its
#                            default S/MIME signing purpose)
#   portal.pem/.key          TLS server certificate under operator-ca, EC
#                            P-256, CN portal.example, SAN DNS:portal.example,
#                            DNS:localhost, IP:127.0.0.1, IP:203.0.113.80,
#                            EKU serverAuth; portal-chain.pem = leaf + CA
#   op.hex                   a random operator OP (32 hex digits + newline),
#                            test data only, made fresh with the PKI
# Network functions (SBI mutual TLS, TS 33.501 13.1; helper "ausf"):
#   nf-ca.pem/.key           the NF CA, EC P-256 (sbi.tls.client_ca)
#   sbi.pem/.key             the AuSF's SBI server certificate under nf-ca,
#                            CN ausf.example, SAN DNS:ausf.example,
#                            DNS:localhost, IP:127.0.0.1, EKU serverAuth
#   nf-amf.pem/.key          an NF client certificate (CN amf1.example,
#                            EKU clientAuth); nf-amf2.pem/.key another one
#                            (CN amf2.example): a second caller
#   nf-rogue.pem/.key        CN amf1.example but under other-ca: refused
# Good device, operator and NF leaf certificates are valid 2025-01-01 ..
# 2050-01-01.
set -eu

LAYOUT=3

is_complete() {
	[ -f "$out/.complete" ] && [ "$(cat "$out/.complete")" = "$LAYOUT" ]
}

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
is_complete && exit 0
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Tests running in parallel may share OUTDIR: one builds, the others wait
# and find it complete (mixing two runs would pair keys with wrong certs).
exec 9>"$out/.lock"
flock 9
is_complete && exit 0
rm -f "$out/.complete"
work=$(mktemp -d "$out/.work.XXXXXX")
log=$work/openssl.log
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "test-pki.sh: $1 failed:" >&2
	cat "$log" >&2
	exit 1
}

# Run openssl with its chatter going to the log.
ossl() {
	openssl "$@" >>"$log" 2>&1 || fail "openssl $1"
}

mkdir "$work/db"
: >"$work/db/index.txt"
echo 1000 >"$work/db/serial"
cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = gg
[ gg ]
database = $work/db/index.txt
new_certs_dir = $work/db
serial = $work/db/serial
default_md = sha256
policy = gg_policy
unique_subject = no
copy_extensions = none
[ gg_policy ]
organizationName = optional
commonName = supplied
CNF

eckey() {
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" \
		-pkeyopt ec_param_enc:named_curve -out "$work/$1.key"
}

rsakey() {
	ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" \
		-out "$work/$1.key"
}

ORG="Maker Example"

# issue NAME ISSUER START END CN EXTENSIONS...: a certificate for
# $work/NAME.key, signed by ISSUER ("self" for a root), the extension
# lines written to its own file.
issue() {
	name=$1 issuer=$2 start=$3 end=$4 cn=$5
	shift 5
	printf '%s\n' "[ ext ]" "$@" >"$work/$name.ext"
	ossl req -new -key "$work/$name.key" -subj "/O=$ORG/CN=$cn" \
		-out "$work/$name.csr"
	if [ "$issuer" = self ]; then
		set -- -selfsign -keyfile "$work/$name.key"
	else
		set -- -cert "$work/$issuer.pem" -keyfile "$work/$issuer.key"
	fi
	ossl ca -batch -notext -config "$work/ca.cnf" "$@" \
		-startdate "$start" -enddate "$end" \
		-extfile "$work/$name.ext" -extensions ext \
		-in "$work/$name.csr" -out "$work/$name.pem"
}

CA_EXT="basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash"
CA_FROM=20200101000000Z
CA_TO=20991231235959Z
FROM=20250101000000Z
TO=20500101000000Z
URN=urn:gardengate:device:
ID1=nai-dev0001@maker.example

# device NAME ISSUER CN SAN-ID START END KU EKU: a device certificate
# with the SAN URI of SAN-ID; an empty SAN-ID, KU or EKU drops that
# extension.
device() {
	set -- "$1" "$2" "$5" "$6" "$3" \
		"basicConstraints = critical, CA:FALSE" \
		"subjectKeyIdentifier = hash" \
		"authorityKeyIdentifier = keyid:always" \
		${4:+"subjectAltName = URI:$URN$4"} \
		${7:+"keyUsage = critical, $7"} \
		${8:+"extendedKeyUsage = $8"}
	issue "$@"
}

# good NAME ISSUER ID: the usual device certificate for ID.
good() {
	device "$1" "$2" "$3" "$3" $FROM $TO digitalSignature clientAuth
}

eckey ca P-256
issue ca self $CA_FROM $CA_TO "Maker Example Root CA" "$CA_EXT" \
	"authorityKeyIdentifier = keyid"
eckey other-ca P-256
issue other-ca self $CA_FROM $CA_TO "Other Root CA" "$CA_EXT" \
	"authorityKeyIdentifier = keyid"
eckey int-ca P-256
issue int-ca ca $CA_FROM $CA_TO "Maker Example Device CA 1" \
	"basicConstraints = critical, CA:TRUE, pathlen:0" \
	"keyUsage = critical, keyCertSign, cRLSign" \
	"subjectKeyIdentifier = hash" \
	"authorityKeyIdentifier = keyid:always"

eckey dev-ec P-256
good dev-ec ca $ID1
rsakey dev-rsa 2048
good dev-rsa ca nai-dev0002@maker.example
eckey dev-int P-256
good dev-int int-ca nai-dev0003@maker.example
cat "$work/dev-int.pem" "$work/int-ca.pem" >"$work/dev-int-chain.pem"
for n in dev-ec dev-rsa dev-int; do
	ossl x509 -in "$work/$n.pem" -outform DER -out "$work/$n.der"
done

for n in expired notyet otherca wrongid keyusage noku eku isca nosan; do
	eckey bad-$n P-256
done
DS=digitalSignature
CL=clientAuth
device bad-expired ca $ID1 $ID1 20200101000000Z 20210101000000Z $DS $CL
device bad-notyet ca $ID1 $ID1 20900101000000Z 20910101000000Z $DS $CL
good bad-otherca other-ca $ID1
device bad-wrongid ca $ID1 nai-dev9999@maker.example $FROM $TO $DS $CL
device bad-keyusage ca $ID1 $ID1 $FROM $TO keyEncipherment $CL
device bad-noku ca $ID1 $ID1 $FROM $TO "" $CL
device bad-eku ca $ID1 $ID1 $FROM $TO $DS serverAuth
device bad-nosan ca $ID1 "" $FROM $TO $DS $CL
issue bad-isca ca $FROM $TO $ID1 \
	"basicConstraints = critical, CA:TRUE" \
	"keyUsage = critical, digitalSignature, keyCertSign" \
	"subjectKeyIdentifier = hash" \
	"authorityKeyIdentifier = keyid:always" \
	"subjectAltName = URI:$URN$ID1"
eckey bad-p384 P-384
good bad-p384 ca $ID1
rsakey bad-rsa1024 1024
good bad-rsa1024 ca $ID1

# The operator: its CA, the provisioning (CMS signing) certificate, the
# portal's TLS certificate and OP.
ORG="Operator Example"
eckey operator-ca P-256
issue operator-ca self $CA_FROM $CA_TO "Operator Example Root CA" "$CA_EXT" \
	"authorityKeyIdentifier = keyid"
eckey provisioning P-256
issue provisioning operator-ca $FROM $TO "Operator Example Provisioning" \
	"basicConstraints = critical, CA:FALSE" \
	"keyUsage = critical, digitalSignature" \
	"subjectKeyIdentifier = hash" \
	"authorityKeyIdentifier = keyid:always"
eckey portal P-256
issue portal operator-ca $FROM $TO portal.example \
	"basicConstraints = critical, CA:FALSE" \
	"keyUsage = critical, digitalSignature" \
	"extendedKeyUsage = serverAuth" \
	"subjectKeyIdentifier = hash" \
	"authorityKeyIdentifier = keyid:always" \
	"subjectAltName = DNS:portal.example, DNS:localhost, IP:127.0.0.1, IP:203.0.113.80"
cat "$work/portal.pem" "$work/operator-ca.pem" >"$work/portal-chain.pem"
openssl rand -hex 16 >"$work/op.hex" 2>>"$log" || fail "openssl rand"

# ---- network functions: SBI mutual TLS (helper "ausf") ----
eckey nf-ca P-256
issue nf-ca self $CA_FROM $CA_TO "NF Example Root CA" "$CA_EXT" \
	"authorityKeyIdentifier = keyid"
eckey sbi P-256
issue sbi nf-ca $FROM $TO ausf.example \
	"basicConstraints = critical, CA:FALSE" \
	"keyUsage = critical, digitalSignature" \
	"extendedKeyUsage = serverAuth" \
	"subjectKeyIdentifier = hash" \
	"authorityKeyIdentifier = keyid:always" \
	"subjectAltName = DNS:ausf.example, DNS:localhost, IP:127.0.0.1"
for nf in nf-amf:nf-ca:amf1.example nf-amf2:nf-ca:amf2.example \
		nf-rogue:other-ca:amf1.example; do
	name=${nf%%:*}
	rest=${nf#*:}
	eckey "$name" P-256
	issue "$name" "${rest%%:*}" $FROM $TO "${rest#*:}" \
		"basicConstraints = critical, CA:FALSE" \
		"keyUsage = critical, digitalSignature" \
		"extendedKeyUsage = clientAuth" \
		"subjectKeyIdentifier = hash" \
		"authorityKeyIdentifier = keyid:always" \
		"subjectAltName = DNS:${rest#*:}"
done

rm -f "$work"/*.csr "$work"/*.ext
chmod 600 "$work"/*.key "$work/op.hex"
for f in "$work"/*.pem "$work"/*.der "$work"/*.key "$work/op.hex"; do
	mv -f "$f" "$out/"
done
echo $LAYOUT >"$out/.complete"
