# Shared by the docking benchmarks (sourced): the centroid of the heavy atoms of an SDF's first molecule, "X Y Z" in Å
# (the pocket centre every tool searches around).
sdf_centroid() {
  awk 'NR==4{n=$1} NR>4 && NR<=4+n {x+=$1;y+=$2;z+=$3} END{printf "%.3f %.3f %.3f\n", x/n, y/n, z/n}' "$1"
}
