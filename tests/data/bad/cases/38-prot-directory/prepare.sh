rm -f proteome/S3.tsv && mkdir proteome/S3.tsv
