python3 - <<'PY'
N = 30000
rows = open('samples.tsv').read().splitlines()
out = [rows[0] + ''.join(f'\tp{i}' for i in range(N))]
out += [r + ''.join(f'\t{(j * 7 + i) % 5}' for i in range(N)) for j, r in enumerate(rows[1:])]
open('samples.tsv', 'w').write('\n'.join(out) + '\n')
s = open('study.yaml').read().replace('phenotypes: [age]', 'phenotypes: [age, ' + ', '.join(f'p{i}' for i in range(N)) + ']')
open('study.yaml', 'w').write(s)
PY
