rm -f vcf/S2.vcf.gz vcf/S2.vcf.gz.tbi
