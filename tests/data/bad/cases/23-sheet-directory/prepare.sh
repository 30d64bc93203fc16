rm -f samples.tsv && mkdir samples.tsv
