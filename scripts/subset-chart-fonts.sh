#!/bin/sh
# Remakes assets/fonts/DejaVuSans{,-Bold}-charts.ttf: DejaVu Sans from the dejavu-fonts-ttf package
# cut to the characters chart text usually has (why: src/charts/render.ts, FONT_FILES). Needs
# fontTools' pyftsubset (Debian: apt-get install fonttools). Outlines and the default OpenType
# layout features (kerning included) are kept; hinting is dropped (resvg does not use it).
set -eu
cd "$(dirname "$0")/.."
UNICODES='U+0020-007E,U+00A0-024F,U+0300-036F,U+0370-03FF,U+0400-04FF,U+2010-2027,U+2030-203A,U+2044,U+20A0-20C0,U+2122,U+2190-2193,U+2212,U+2264-2265,U+FFFD'
for face in DejaVuSans DejaVuSans-Bold; do
  pyftsubset "node_modules/dejavu-fonts-ttf/ttf/$face.ttf" --unicodes="$UNICODES" --no-hinting --notdef-outline \
    --output-file="assets/fonts/$face-charts.ttf"
done
