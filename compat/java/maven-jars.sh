# Sourced by compat/java/fetch-jars.sh and bench/fetch-kafka.sh: resolves the runtime
# dependencies of a generated pom with Maven into a cache directory.
#
#   pom_text | maven_runtime_jars DIR LABEL M2
#
# writes DIR/pom.xml, DIR/lib/*.jar, DIR/jars.txt (the jar names, one per line),
# DIR/classpath.txt (absolute, ':'-joined, for running a tool by hand) and DIR/stamp (the pom's
# sha256). Idempotent: when the stamp matches and every listed jar is present nothing is fetched,
# so once cached it runs offline. M2 is the Maven local repository to use.

maven_runtime_jars() {
  local dir=$1 label=$2 m2=$3
  mkdir -p "$dir" "$m2"
  cat >"$dir/pom.xml.new"
  local stamp
  stamp=$(sha256sum "$dir/pom.xml.new" | cut -d' ' -f1)
  if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ] && [ -f "$dir/jars.txt" ] \
    && (cd "$dir/lib" 2>/dev/null && xargs -r ls -- <"$dir/jars.txt" >/dev/null 2>&1); then
    rm -f "$dir/pom.xml.new"
    echo "$label already cached ($(wc -l <"$dir/jars.txt") jars in $dir/lib)"
    return 0
  fi
  mv "$dir/pom.xml.new" "$dir/pom.xml"
  rm -rf "$dir/lib" "$dir/stamp" "$dir/classpath.txt"
  echo "fetching $label with maven"
  mvn -B -q -Dstyle.color=never -f "$dir/pom.xml" -Dmaven.repo.local="$m2" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dir/lib" 2>&1 | { sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' || true; }
  (cd "$dir/lib" && ls -1 *.jar | sort) >"$dir/jars.txt"
  (ls -1 "$dir"/lib/*.jar | sort | paste -sd:) >"$dir/classpath.txt"
  echo "$stamp" >"$dir/stamp"
  echo "$label: $(wc -l <"$dir/jars.txt") jars in $dir/lib"
  sed 's/^/  /' "$dir/jars.txt"
}
