# values far past any limit (std::regex once overflowed the stack on them): written here, not kept in git
long=$(head -c 60000 /dev/zero | tr '\0' 7)
{ sed "s/  name: corpus/  name: corpus$long/" study.yaml; printf 'resources:\n  partition: p%s\n  mem_per_cpu: "%s"\n' "$long" "$long"; } > s && mv s study.yaml
