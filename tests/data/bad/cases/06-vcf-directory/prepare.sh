rm -f vcf/S1.vcf.gz vcf/S1.vcf.gz.tbi && mkdir vcf/S1.vcf.gz
